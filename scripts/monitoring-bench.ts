/**
 * npm run bench:monitoring: times GET /model/performance, /model/drift and /model/fairness on
 * PostgreSQL with 25,000 and then 100,000 stored predictions that all have an outcome, and reads
 * the service's resident memory (VmRSS, and its peak VmHWM) after each size: the reports are
 * database aggregates, so neither time nor memory should follow the row count much.
 *
 * Not part of npm test (it loads the shared CPU). Env: BENCH_ADMIN_URL (PostgreSQL server to
 * create the bench database on, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

const ROOT = join(__dirname, '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PORT = 3310;
const SIZES = [25_000, 100_000];
const RUNS = 5;
const REPORTS = ['performance', 'drift', 'fairness'];

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
         INSERT INTO model_inputs (features)
         SELECT e.features FROM generate_series(1, $2::int) g JOIN e ON e.k = 1 + (g % 1470) RETURNING id
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

async function main(): Promise<void> {
  const name = `attrition_monbench_${randomBytes(4).toString('hex')}`;
  await withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const modelVersion = JSON.parse(readFileSync(join(ROOT, 'models', 'attrition', 'contract.json'), 'utf8')).model.version;
  let service: ChildProcess | undefined;
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url.toString(), PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn', MONITORING_REFRESH_SECONDS: '86400' };
    delete env.ADMIN_API_KEYS; // the reports are admin-only; open for the measurement
    service = fork(join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js'), [], { cwd: ROOT, env, stdio: 'inherit' });
    await waitReady();
    console.log(`service pid ${service.pid}, after start: ${JSON.stringify(memory(service.pid!))}`);
    const rows: string[] = ['| rows | report | median ms | max ms | service RSS after (MB) | service peak RSS (MB) |', '|---|---|---|---|---|---|'];
    let stored = 0;
    for (const size of SIZES) {
      const seeding = performance.now();
      await seed(url.toString(), stored, size, modelVersion);
      stored = size;
      console.log(`seeded ${size} rows in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
      for (const report of REPORTS) {
        const { body } = await time(`/model/${report}`); // warm-up; also shows the status
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) times.push((await time(`/model/${report}`)).ms);
        times.sort((a, b) => a - b);
        const m = memory(service.pid!);
        rows.push(`| ${size.toLocaleString('en')} | ${report} | ${times[Math.floor(RUNS / 2)].toFixed(0)} | ${times[RUNS - 1].toFixed(0)} | ${m.rssMb} | ${m.peakMb} |`);
        console.log(`${size} ${report}: status ${String(body.status ?? '-')} n ${String(body.n ?? body.inputs ?? '-')}`);
      }
    }
    console.log(rows.join('\n'));
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
