import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { NewPredictionRecord } from '@app/persistence';
import { cpuSeconds, usageOf } from '../scripts/bench/bench-support';
import { arrays, copy } from '../scripts/bench/bench-writes';
import { buildDataSourceOptions } from '../libs/persistence/src/data-source.options';
import { runMigrations } from '../libs/persistence/src/migration-runner';
import { PostgresPredictionWriter } from '../libs/persistence/src/prediction-writers';
import { describeWithPostgres } from './support/describe-with-postgres';
import { createTestDatabase, TestDatabase } from './support/postgres';
import { loadParity } from './fixtures/artifacts';
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

describe('bench commands', () => {
  const ROOT = join(__dirname, '..');
  const BENCH = join(ROOT, 'scripts/bench');
  /** Modules the commands load, not commands themselves. */
  const MODULES = ['bench-support.ts', 'service-probe.js'];
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const commands = readdirSync(BENCH).filter((file) => !MODULES.includes(file));

  it('are every file of scripts/bench but its helper modules, each with one npm entry', () => {
    // Act
    const entries = commands.map((file) => [file, Object.keys(scripts).filter((name) => scripts[name].includes(`scripts/bench/${file}`))]);
    // Assert
    expect(entries.filter(([, names]) => names.length !== 1)).toEqual([]);
  });

  it.each(commands)('%s: `npm run <entry> -- --help` prints its usage, naming its entry, and exits 0 without building', (file) => {
    // Arrange
    const entry = Object.keys(scripts).find((name) => scripts[name].includes(`scripts/bench/${file}`))!;
    // Act
    const result = spawnSync('npm', ['run', '-s', entry, '--', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    // Assert: exactly the header comment on stdout (a build first would print there too)
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toBe(usageOf(join(BENCH, file)));
    expect(result.stdout).toMatch(new RegExp(`npm run (-s )?${entry}\\b`));
    expect(scripts[entry]).not.toMatch(/npm run build/);
  }, 60_000);
});

describeWithPostgres('bench:writes variants', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    await runMigrations(buildDataSourceOptions({ url: database.url, migrationsRun: false }));
    pool = new Pool({ connectionString: database.url, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  /** Every stored column but ids, keys and times, of the predictions whose input id is above `afterId`. */
  async function storedSince(afterId: number): Promise<unknown[]> {
    const { rows } = await pool.query(
      `SELECT i.features, i.genre, i.age, i.idempotency_key IS NOT NULL AS keyed, o.prediction, o.probability, o.threshold,
         o.model_version, o.contributions
       FROM model_inputs i JOIN model_outputs o ON o.input_id = i.id WHERE i.id > $1 ORDER BY i.id`,
      [afterId],
    );
    return rows;
  }

  const lastInputId = async () => Number((await pool.query('SELECT COALESCE(MAX(id), 0) AS id FROM model_inputs')).rows[0].id);

  it('store every column the service stores (genre and age included), as its own writer does', async () => {
    // Arrange: two parity rows, one with an idempotency key
    const entries = (tag: string): NewPredictionRecord[] =>
      loadParity().rows.slice(0, 2).map((row, i) => ({
        features: row.features,
        prediction: (i % 2) as 0 | 1,
        probability: 0.25 + i / 2,
        threshold: 0.32,
        modelVersion: 'bench',
        contributions: { age: 0.5 - i },
        idempotencyKey: i ? `bench-variants-${tag}` : undefined,
      }));
    const writer = new PostgresPredictionWriter({ url: database.url });
    const client = await pool.connect();
    try {
      // Act: the service's writer, then each bench variant on the same entries
      let start = await lastInputId();
      await writer.insertMany(entries('writer'));
      const expected = await storedSince(start);
      const stored: Record<string, unknown[]> = {};
      for (const [name, variant] of [['arrays', arrays], ['copy', copy]] as const) {
        start = await lastInputId();
        await variant(client, entries(name));
        stored[name] = await storedSince(start);
      }
      // Assert
      expect(expected).toHaveLength(2);
      expect(expected.every((row) => (row as { genre: unknown }).genre !== null && (row as { age: unknown }).age !== null)).toBe(true);
      expect(stored).toEqual({ arrays: expected, copy: expected });
    } finally {
      client.release();
      await writer.close();
    }
  });
});
