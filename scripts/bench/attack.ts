/**
 * npm run bench:attack [-- path/to/main.js]: an honest client's latency on POST /predict while
 * hostile clients attack, one attack at a time, against a build of the service (this tree's dist
 * by default, built first; pass another build's main.js to compare, e.g. a worktree of an older
 * commit: it is measured as it is).
 *
 * Each scenario runs ATTACK_DURATION seconds (default 5) on a fresh embedded database; the
 * honest client sends one request at a time and records every latency. Rate limits are turned off
 * (every client here is 127.0.0.1, so they would throttle the honest client too): this measures
 * what one request can cost, not the limiter.
 */
import { ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '../../libs/validation/src/examples';
import { buildWorkingTree, exitOnHelp } from './bench-support';

exitOnHelp(__filename);

const ROOT = join(__dirname, '..', '..');
const MAIN = resolve(process.argv[2] ?? join(ROOT, 'dist/apps/api/src/main.js'));
const DURATION_MS = Number(process.env.ATTACK_DURATION ?? 5) * 1000;
const PORT = 3310;
const BASE = `http://127.0.0.1:${PORT}`;

const employee = EXAMPLE_EMPLOYEE_LIKELY_TO_STAY;
const honestBody = JSON.stringify({ features: employee });

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

interface Attack {
  name: string;
  clients: number;
  path: string;
  body: string;
}

const ATTACKS: Attack[] = [
  { name: 'none', clients: 0, path: '/predict', body: '' },
  {
    name: '10,000 unknown keys in features (90 kB), 4 clients',
    clients: 4,
    path: '/predict',
    body: JSON.stringify({ features: { ...employee, ...Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [i.toString(36), 0])) } }),
  },
  {
    name: 'a feature nested 1,300 levels deep, 4 clients',
    clients: 4,
    path: '/predict',
    body: JSON.stringify({ features: { ...employee, age: nested(1300) } }),
  },
  {
    name: '1,000-item batches, 2 clients',
    clients: 2,
    path: '/predict/batch',
    body: JSON.stringify({ items: Array.from({ length: 1000 }, () => ({ features: employee })) }),
  },
];

function start(sqlitePath: string): Promise<ChildProcess> {
  const child = fork(MAIN, [], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', SQLITE_PATH: sqlitePath, LOG_LEVEL: 'error', RATE_LIMIT_PREDICT: '0', RATE_LIMIT_BATCH: '0' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((ready, fail) => {
    child.once('exit', (code) => fail(new Error(`the service exited with code ${code}`)));
    const poll = (): void => {
      void fetch(`${BASE}/health/live`).then((r) => (r.ok ? ready(child) : setTimeout(poll, 200)), () => setTimeout(poll, 200));
    };
    poll();
  });
}

const post = (path: string, body: string) =>
  fetch(`${BASE}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function scenario(attack: Attack) {
  const dir = mkdtempSync(join(tmpdir(), 'attrition-attack-'));
  const service = await start(join(dir, 'attack.sqlite'));
  try {
    const until = Date.now() + DURATION_MS;
    const attackStatuses = new Map<number, number>();
    const attackers = Array.from({ length: attack.clients }, async () => {
      while (Date.now() < until) {
        const status = await post(attack.path, attack.body).catch(() => 0);
        attackStatuses.set(status, (attackStatuses.get(status) ?? 0) + 1);
      }
    });
    const latencies: number[] = [];
    let failed = 0;
    while (Date.now() < until) {
      const started = performance.now();
      const status = await post('/predict', honestBody).catch(() => 0);
      latencies.push(performance.now() - started);
      if (status !== 200) failed++;
    }
    await Promise.all(attackers);
    latencies.sort((a, b) => a - b);
    return {
      attack: attack.name,
      honestRequests: latencies.length,
      honestFailed: failed,
      p50: percentile(latencies, 50).toFixed(1),
      p99: percentile(latencies, 99).toFixed(1),
      max: latencies[latencies.length - 1].toFixed(1),
      attackAnswers: Object.fromEntries(attackStatuses),
    };
  } finally {
    service.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  // The default build is this tree's; another build given as an argument is measured as it is.
  if (process.argv[2] === undefined) buildWorkingTree();
  console.log(`service: ${MAIN}; ${DURATION_MS / 1000} s per scenario`);
  const rows = [];
  for (const attack of ATTACKS) rows.push(await scenario(attack));
  console.table(rows);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
