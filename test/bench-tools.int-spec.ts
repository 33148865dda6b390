import { ChildProcess, spawn } from 'node:child_process';
import { cpuSeconds } from '../scripts/bench/bench-support';
import { summarise } from '../scripts/bench/profile-summary';

// The bench's own measuring tools: what they report is what the docs quote.

/** A process whose child burns `ms` of its own CPU time, then idles until killed. */
function parentOfBusyChild(ms: number): Promise<ChildProcess> {
  const busy = `const t = process.cpuUsage(); while ((process.cpuUsage(t).user + process.cpuUsage(t).system) / 1000 < ${ms}); ` +
    `console.log('done'); setInterval(() => {}, 1000);`;
  const parent = `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(busy)}], { stdio: ['ignore', 'pipe', 'inherit'] });
    c.stdout.once('data', () => console.log('ready')); process.on('SIGTERM', () => { c.kill(); process.exit(0); }); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', parent], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout!.once('data', () => resolve(child)));
}

describe('bench CPU accounting', () => {
  it('counts the CPU time of a process and of its children (the cluster workers)', async () => {
    // Arrange: the parent itself stays nearly idle; its child burns 400 ms of CPU
    const parent = await parentOfBusyChild(400);
    try {
      // Act
      const seconds = cpuSeconds(parent.pid!);
      // Assert: the child's time is there (10 ms clock ticks, so a little less may show)
      expect(seconds).toBeGreaterThanOrEqual(0.38);
    } finally {
      parent.kill('SIGTERM');
    }
  });
});

describe('profile summary', () => {
  const frame = (id: number, functionName: string, url: string, hitCount: number, children: number[] = []) => ({
    id,
    callFrame: { functionName, url },
    hitCount,
    children,
  });

  it('gives a builtin to its closest categorised caller and leaves idle time out', () => {
    // Arrange: root -> express handler -> JSON.stringify (a builtin: no url); GC; idle
    const profile = {
      nodes: [
        frame(1, '(root)', '', 0, [2, 4, 5]),
        frame(2, 'handle', '/app/node_modules/express/lib/router/layer.js', 0, [3]),
        frame(3, 'stringify', '', 0),
        frame(4, '(garbage collector)', '', 0),
        frame(5, '(idle)', '', 0),
      ],
      startTime: 0,
      endTime: 1000,
      // Samples: three in stringify, one in GC, two idle; each sample's time is the next delta (100 µs).
      samples: [3, 3, 3, 4, 5, 5],
      timeDeltas: [0, 100, 100, 100, 100, 100, 100],
    };
    // Act
    const { total, byCategory } = summarise(profile);
    // Assert
    expect(total).toBe(400);
    expect(Object.fromEntries(byCategory)).toEqual({
      'Express, body-parser, Nest pipeline': 300,
      'garbage collection': 100,
    });
  });
});
