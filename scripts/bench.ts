/**
 * npm run bench: measures POST /predict and POST /predict/batch against PostgreSQL, next to a bare
 * Node.js HTTP server in the same run, then checks that every 200 answer left its rows.
 *
 * Env: BENCH_DURATION (seconds per point, default 10), BENCH_ADMIN_URL (PostgreSQL server to create
 * the bench database on, default postgres://postgres@127.0.0.1:5432/postgres), and any service
 * variable (WORKERS, ORT_COALESCE, DATABASE_GROUP_COMMIT, ...) is passed through to the service.
 */
import { ChildProcess, fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';

const ROOT = join(__dirname, '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SERVICE_PORT = 3300;
const BARE_PORT = 3301;

interface Point {
  target: string;
  /** Rows the service stored during this point (service points only). */
  stored?: number;
  connections: number;
  itemsPerRequest: number;
  requestsPerSecond: number;
  predictionsPerSecond: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function start(script: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = fork(script, [], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with code ${code} before it was ready`)));
    const poll = async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${env.PORT}${env.READY_PATH ?? '/'}`, { method: env.READY_PATH ? 'GET' : 'POST', body: env.READY_PATH ? undefined : '{}' });
        if (res.ok) return resolve(child);
      } catch {
        // not listening yet
      }
      setTimeout(poll, 200);
    };
    void poll();
  });
}

async function measure(
  target: string,
  url: string,
  connections: number,
  body: string,
  itemsPerRequest: number,
  run: { duration: number } | { amount: number } = { duration: DURATION },
): Promise<Point> {
  const started = performance.now();
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    ...run,
    headers: { 'content-type': 'application/json' },
    body,
  });
  const seconds = 'duration' in run ? run.duration : (performance.now() - started) / 1000;
  const ok = result['2xx'];
  const failed = result.non2xx + result.errors + result.timeouts;
  const point: Point = {
    target,
    connections,
    itemsPerRequest,
    requestsPerSecond: ok / seconds,
    predictionsPerSecond: (ok * itemsPerRequest) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    failed,
  };
  console.error(`${target} c=${connections}: ${point.requestsPerSecond.toFixed(0)} req/s, p50 ${point.p50} ms, p99 ${point.p99} ms, ${failed} failed`);
  return point;
}

/** One connection, one request at a time, timed with the high-resolution clock (autocannon rounds to 1 ms). */
async function sequentialLatency(url: string, body: string, n: number): Promise<{ p50: number; p99: number; failed: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (status !== 200) failed++;
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n * 0.5)], p99: times[Math.floor(n * 0.99)], failed };
}

async function main(): Promise<void> {
  const parity = JSON.parse(readFileSync(join(ROOT, 'models/attrition/parity.json'), 'utf8')).rows as { features: object }[];
  const single = JSON.stringify({ features: parity[0].features });
  const batchOf = (n: number) => JSON.stringify({ items: Array.from({ length: n }, (_, i) => ({ features: parity[i % parity.length].features })) });
  const database = `attrition_bench_${process.pid}`;
  await admin(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;

  const children: ChildProcess[] = [];
  const points: Point[] = [];
  let exitCode = 0;
  try {
    children.push(await start(join(ROOT, 'scripts/bare-server.js'), { PORT: String(BARE_PORT) }));
    children.push(
      await start(join(ROOT, 'dist/apps/api/src/main.js'), {
        PORT: String(SERVICE_PORT),
        HOST: '127.0.0.1',
        DATABASE_URL: url.toString(),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        // The load generator is one client: the per-client limits would measure themselves.
        RATE_LIMIT_PREDICT: process.env.RATE_LIMIT_PREDICT ?? '0',
        RATE_LIMIT_BATCH: process.env.RATE_LIMIT_BATCH ?? '0',
        READY_PATH: '/health/ready',
      }),
    );
    const service = `http://127.0.0.1:${SERVICE_PORT}`;
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    const counts = async () => {
      const { rows } = await client.query(
        'SELECT (SELECT COUNT(*) FROM model_inputs)::int AS inputs, (SELECT COUNT(*) FROM model_outputs)::int AS outputs',
      );
      if (rows[0].inputs !== rows[0].outputs) throw new Error(`${rows[0].inputs} inputs but ${rows[0].outputs} outputs`);
      return rows[0].outputs as number;
    };
    const onService = async (...args: Parameters<typeof measure>) => {
      const before = await counts();
      const point = await measure(...args);
      await new Promise((r) => setTimeout(r, 1000)); // let requests cut off by the load generator finish
      point.stored = (await counts()) - before;
      return point;
    };
    for (const c of [1, 8, 32, 64]) {
      points.push(await measure('bare Node.js server', `http://127.0.0.1:${BARE_PORT}/`, c, single, 1));
      points.push(await onService('POST /predict', `${service}/predict`, c, single, 1));
    }
    points.push(await measure('bare Node.js server', `http://127.0.0.1:${BARE_PORT}/`, 4, batchOf(100), 100));
    points.push(await onService('POST /predict/batch', `${service}/predict/batch`, 4, batchOf(100), 100));
    points.push(await measure('bare Node.js server', `http://127.0.0.1:${BARE_PORT}/`, 2, batchOf(1000), 1000));
    points.push(await onService('POST /predict/batch', `${service}/predict/batch`, 2, batchOf(1000), 1000));
    const before = await counts();
    const precise = await sequentialLatency(`${service}/predict`, single, 2000);
    const bareLatency = await sequentialLatency(`http://127.0.0.1:${BARE_PORT}/`, single, 2000);
    if ((await counts()) - before !== 2000 - precise.failed) exitCode = 1;
    // Fixed amounts, so that every request sent is also answered: rows must equal the 200s exactly.
    const exact = [
      await onService('POST /predict (fixed amount)', `${service}/predict`, 32, single, 1, { amount: 20_000 }),
      await onService('POST /predict/batch (fixed amount)', `${service}/predict/batch`, 2, batchOf(1000), 1000, { amount: 20 }),
    ];
    await client.end();
    const failed = [...points, ...exact].reduce((n, p) => n + p.failed, 0) + precise.failed;

    console.log(`\nBENCH_DURATION=${DURATION}s per point; service env: WORKERS=${process.env.WORKERS ?? 1}, ` +
      `ORT_COALESCE=${process.env.ORT_COALESCE ?? 'true'}, DATABASE_GROUP_COMMIT=${process.env.DATABASE_GROUP_COMMIT ?? 'true'}\n`);
    console.log('| target | connections | items/request | requests/s | predictions/s | p50 ms | p99 ms | share of bare server | non-200 |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const p of points) {
      const bare = points.find((b) => b.target === 'bare Node.js server' && b.connections === p.connections && b.itemsPerRequest === p.itemsPerRequest);
      const share = p.target === 'bare Node.js server' || !bare ? '' : `${((100 * p.requestsPerSecond) / bare.requestsPerSecond).toFixed(1)} %`;
      console.log(`| ${p.target} | ${p.connections} | ${p.itemsPerRequest} | ${p.requestsPerSecond.toFixed(0)} | ` +
        `${p.predictionsPerSecond.toFixed(0)} | ${p.p50} | ${p.p99} | ${share} | ${p.failed} |`);
    }
    console.log(`\nOne connection, 2,000 sequential requests, high-resolution timing: POST /predict p50 ` +
      `${precise.p50.toFixed(2)} ms, p99 ${precise.p99.toFixed(2)} ms; bare server p50 ${bareLatency.p50.toFixed(2)} ms, ` +
      `p99 ${bareLatency.p99.toFixed(2)} ms.`);
    // Timed points: the load generator stops mid-flight, so up to one request per connection may be
    // stored (and answered) after it stopped listening. Fixed-amount points must match exactly.
    console.log('\n| point | predictions answered 200 | rows stored | check |');
    console.log('|---|---|---|---|');
    for (const p of [...points.filter((q) => q.stored !== undefined), ...exact]) {
      const answered = p.ok * p.itemsPerRequest;
      const slack = exact.includes(p) ? 0 : p.connections * p.itemsPerRequest;
      const good = p.stored! >= answered && p.stored! <= answered + slack;
      if (!good) exitCode = 1;
      console.log(`| ${p.target} c=${p.connections} | ${answered} | ${p.stored} | ${good ? 'ok' : 'FAIL'}${slack ? ` (cut-off slack <= ${slack})` : ' (exact)'} |`);
    }
    if (exitCode) console.error('FAIL: the stored rows do not match the 200 answers');
    if (failed > 0) {
      console.error(`FAIL: ${failed} requests did not get a 200`);
      exitCode = 1;
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
  process.exit(exitCode);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
