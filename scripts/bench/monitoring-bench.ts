/**
 * npm run bench:monitoring: times GET /model/performance, /model/drift and /model/fairness on
 * PostgreSQL at growing numbers of stored predictions that all have an outcome, and reads the
 * service's resident memory (VmRSS, and its peak VmHWM) before and after each report's requests:
 * the reports are database aggregates, so neither should follow the row count much.
 *
 * Two measurements per size and report:
 * - HTTP: one warm-up request, then BENCH_RUNS requests to the running service; median and maximum.
 * - Query level, less sensitive to other load on the machine: the same repository SQL the service
 *   runs, issued in this process and run under EXPLAIN (ANALYZE) (the database's own execution time,
 *   summed over the report's statements; median of 3), and the CPU time of the database backend
 *   that ran it with parallel workers off (read from /proc: the database must run on this machine,
 *   otherwise that column says "-").
 *
 * Not part of npm test (it loads the CPU). Env: BENCH_ADMIN_URL (PostgreSQL server to create the
 * bench database on, default postgres://postgres@127.0.0.1:5432/postgres), BENCH_SIZES (default
 * 10000,100000), BENCH_RUNS (default 7), BENCH_PORT (default 3410).
 */
import 'tsconfig-paths/register';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { ModelRunner } from '@app/inference';
import { TypeOrmMonitoringRepository } from '../../libs/persistence/src/typeorm-monitoring.repository';
import type { PersistenceModuleOptions } from '../../libs/persistence/src/persistence.options';
import { MonitoringService } from '../../libs/monitoring/src/monitoring.service';
import { buildWorkingTree, exitOnHelp } from './bench-support';

exitOnHelp(__filename);

const ROOT = join(__dirname, '..', '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PORT = Number(process.env.BENCH_PORT ?? 3410);
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const QUERY_RUNS = 3;
const REPORTS = ['performance', 'drift', 'fairness'] as const;
type Report = (typeof REPORTS)[number];

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Adds stored predictions (training employees, cycled) with random probabilities and outcomes up to `total`. */
async function seed(url: string, from: number, total: number, modelVersion: string): Promise<void> {
  const employees = readFileSync(join(ROOT, 'models', 'training', 'data', 'attrition-features.json'), 'utf8');
  await withClient(url, async (client) => {
    await client.query('SELECT setseed($1)', [from / total]);
    await client.query(
      `WITH e AS (SELECT value AS features, ordinality AS k FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY),
       ins AS (
         INSERT INTO model_inputs (features, genre, age)
         SELECT e.features, (e.features->>'genre')::int, (e.features->>'age')::int FROM generate_series(1, $2::int) g JOIN e ON e.k = 1 + (g % 1470) RETURNING id
       )
       INSERT INTO model_outputs (input_id, prediction, probability, threshold, model_version)
       SELECT id, CASE WHEN p >= 0.32 THEN 1 ELSE 0 END, p, 0.32, $3 FROM (SELECT id, random() ^ 3 AS p FROM ins) s`,
      [employees, total - from, modelVersion],
    );
    await client.query(
      `INSERT INTO model_outcomes (input_id, "left", observed_at)
       SELECT o.input_id, CASE WHEN random() < o.probability THEN 1 ELSE 0 END, now()
       FROM model_outputs o LEFT JOIN model_outcomes c ON c.input_id = o.input_id WHERE c.input_id IS NULL`,
    );
    await client.query('VACUUM ANALYZE');
  });
}

function memory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

async function waitReady(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`http://127.0.0.1:${PORT}/health/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('service not ready after 60 s');
}

async function time(path: string): Promise<{ ms: number; body: Record<string, unknown> }> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${PORT}${path}`);
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - started, body };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** CPU time (user + system, ms) a local process has used, or NaN when it is not on this machine. */
function cpuMs(pid: number): number {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return NaN;
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks, USER_HZ = 100 on Linux
}

interface QueryCost {
  statements: number;
  executionMs: number;
  cpuMs: number;
}

/**
 * Runs a report in this process on the service's own repository and SQL, with a DataSource whose
 * `query` also runs each statement under EXPLAIN ANALYZE and once more with parallel workers off
 * while measuring the backend's CPU time.
 */
async function queryCosts(url: string, manifest: unknown): Promise<{ costOf: (report: Report) => Promise<QueryCost>; close: () => Promise<void> }> {
  const dataSource = await new DataSource({ type: 'postgres', url }).initialize();
  // One connection held throughout, so the backend whose CPU time is read stays the same.
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const [{ pid }] = (await runner.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];
  let cost: QueryCost = { statements: 0, executionMs: 0, cpuMs: 0 };
  // The repository runs each report statement in a transaction with `SET LOCAL jit = off`: here the
  // held connection has JIT off throughout, and the SET LOCAL itself is not measured.
  await runner.query('SET jit = off');
  const measure = async (text: string, params: unknown[]): Promise<unknown> => {
    if (/^SET LOCAL /.test(text)) return [];
    const [{ 'QUERY PLAN': plan }] = (await runner.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, params)) as {
      'QUERY PLAN': { 'Execution Time': number }[];
    }[];
    await runner.query('SET max_parallel_workers_per_gather = 0');
    const before = cpuMs(pid);
    const rows: unknown = await runner.query(text, params);
    const used = cpuMs(pid) - before;
    await runner.query('RESET max_parallel_workers_per_gather');
    cost = { statements: cost.statements + 1, executionMs: cost.executionMs + plan[0]['Execution Time'], cpuMs: cost.cpuMs + used };
    return rows;
  };
  const measuring = new Proxy(dataSource, {
    get(target, property, receiver) {
      if (property === 'query') return measure;
      if (property === 'transaction') return (work: (manager: { query: typeof measure }) => Promise<unknown>) => work({ query: measure });
      return Reflect.get(target, property, receiver);
    },
  });
  const repository = new TypeOrmMonitoringRepository(measuring, {} as PersistenceModuleOptions);
  const service = new MonitoringService(repository, { manifest } as ModelRunner);
  const costOf = async (report: Report): Promise<QueryCost> => {
    const runs: QueryCost[] = [];
    for (let i = 0; i < QUERY_RUNS; i++) {
      cost = { statements: 0, executionMs: 0, cpuMs: 0 };
      await service[report]({});
      runs.push(cost);
    }
    return { statements: runs[0].statements, executionMs: median(runs.map((r) => r.executionMs)), cpuMs: median(runs.map((r) => r.cpuMs)) };
  };
  return {
    costOf,
    close: async () => {
      await runner.release();
      await dataSource.destroy();
    },
  };
}

async function main(): Promise<void> {
  buildWorkingTree();
  const name = `attrition_monbench_${randomBytes(4).toString('hex')}`;
  await withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const manifest = JSON.parse(readFileSync(join(ROOT, 'models', 'attrition', 'contract.json'), 'utf8'));
  const modelVersion: string = manifest.model.version;
  let service: ChildProcess | undefined;
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url.toString(), PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn', MONITORING_REFRESH_SECONDS: '86400' };
    // On a loaded machine a report may pass the default 5 s statement timeout: measure it instead of a 503.
    env.DATABASE_STATEMENT_TIMEOUT_MS ??= '60000';
    delete env.ADMIN_API_KEYS; // the reports are admin-only; open for the measurement
    service = fork(join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js'), [], { cwd: ROOT, env, stdio: 'inherit' });
    await waitReady(); // the service has run the migrations
    const queries = await queryCosts(url.toString(), manifest);
    console.log(`service pid ${service.pid}, after start: ${JSON.stringify(memory(service.pid!))}`);
    const rows: string[] = [
      '| rows | report | HTTP p50 ms | HTTP max ms | statements | EXPLAIN ANALYZE ms | backend CPU ms | RSS before (MB) | RSS after (MB) | peak RSS (MB) |',
      '|---|---|---|---|---|---|---|---|---|---|',
    ];
    let stored = 0;
    for (const size of SIZES) {
      const seeding = performance.now();
      await seed(url.toString(), stored, size, modelVersion);
      stored = size;
      console.log(`seeded ${size} rows in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
      for (const report of REPORTS) {
        const before = memory(service.pid!);
        const { body } = await time(`/model/${report}`); // warm-up; also shows the status
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) times.push((await time(`/model/${report}`)).ms);
        const after = memory(service.pid!);
        const cost = await queries.costOf(report);
        const cpu = Number.isNaN(cost.cpuMs) ? '-' : cost.cpuMs.toFixed(0);
        rows.push(
          `| ${size.toLocaleString('en')} | ${report} | ${median(times).toFixed(0)} | ${Math.max(...times).toFixed(0)} | ${cost.statements} | ` +
            `${cost.executionMs.toFixed(0)} | ${cpu} | ${before.rssMb} | ${after.rssMb} | ${after.peakMb} |`,
        );
        console.log(`${size} ${report}: status ${String(body.status ?? '-')} n ${String(body.n ?? body.inputs ?? '-')}`);
      }
    }
    console.log(rows.join('\n'));
    await queries.close();
  } finally {
    service?.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await withClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
