/**
 * Honest POST /predict latency while twelve clients upload CSV files (docs/RELIABILITY.md,
 * "Concurrent CSV files"). Starts the service from the sources on a fresh PostgreSQL database;
 * twelve clients (source addresses 127.0.0.2-13, so each is its own client to the per-client cap)
 * each upload a file of ROWS rows over and over, waiting Retry-After when refused; after a 3 s
 * ramp, autocannon sends /predict at a fixed 100 requests/s on 4 connections for DURATION seconds.
 * Prints the /predict latency percentiles and what became of the uploads.
 *
 *   npm run bench:csv-concurrency -- [--caps default|off] [--rows 20000] [--duration 20]
 *
 * `--caps off` sets CSV_MAX_JOBS=0 and CSV_MAX_JOBS_PER_CLIENT=0 (the behaviour before the caps).
 * Env: PROBE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), PROBE_PORT (3431).
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { admin, exitOnHelp } from './bench-support';
import { generateCsv } from './csv-generate';

exitOnHelp(__filename);

const ROOT = join(__dirname, '..', '..');
const ADMIN_URL = process.env.PROBE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PORT = Number(process.env.PROBE_PORT ?? 3431);
const TS = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];
const CLIENTS = 12;

/** One upload from `from`: its status, and its Retry-After when refused. */
function upload(from: string, rows: number): Promise<{ status: number; retryAfter?: number }> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: PORT, path: '/predict/csv', method: 'POST', localAddress: from, headers: { 'content-type': 'text/csv' } },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode!, retryAfter: Number(response.headers['retry-after']) || undefined }));
        response.on('error', () => resolve({ status: response.statusCode! }));
      },
    );
    req.on('error', () => resolve({ status: 0 }));
    generateCsv(rows).pipe(req);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { caps: { type: 'string', default: 'default' }, rows: { type: 'string', default: '20000' }, duration: { type: 'string', default: '20' } } });
  const rows = Number(values.rows);
  const duration = Number(values.duration);
  const database = `hcsv_csvprobe_${Date.now()}`;
  await admin(`CREATE DATABASE ${database}`, ADMIN_URL);
  const caps = values.caps === 'off' ? { CSV_MAX_JOBS: '0', CSV_MAX_JOBS_PER_CLIENT: '0' } : {};
  const env = {
    ...process.env,
    ...caps,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PREDICT: '0',
    RATE_LIMIT_BATCH: '0',
    HTTP_REQUEST_TIMEOUT_MS: '3600000',
    MONITORING_REFRESH_SECONDS: '86400',
  };
  const service = spawn(process.execPath, [...TS, 'apps/api/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error('The service did not become ready');
      if (await fetch(`http://127.0.0.1:${PORT}/health/ready`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    let running = true;
    const outcome = { completed: 0, refused429: 0, refused503: 0, failed: 0 };
    const clients = Array.from({ length: CLIENTS }, async (_, i) => {
      while (running) {
        const { status, retryAfter } = await upload(`127.0.0.${i + 2}`, rows);
        if (status === 200) outcome.completed++;
        else if (status === 429) outcome.refused429++;
        else if (status === 503) outcome.refused503++;
        else outcome.failed++;
        if (retryAfter && running) await new Promise((r) => setTimeout(r, retryAfter * 1000));
      }
    });
    await new Promise((r) => setTimeout(r, 3000));
    const result = await autocannon({
      url: `http://127.0.0.1:${PORT}/predict`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }),
      connections: 4,
      overallRate: 100,
      duration,
    });
    running = false;
    const latency = result.latency as unknown as Record<string, number>;
    process.stdout.write(
      `caps ${values.caps}: /predict ${result.requests.total} requests, ${result.non2xx} non-2xx, ${result.errors} errors; ` +
        `latency ms p50 ${latency.p50} p90 ${latency.p90} p99 ${latency.p99} max ${latency.max}\n` +
        `uploads of ${rows} rows during the window (${CLIENTS} clients): ${JSON.stringify(outcome)} (counted until the last upload ends)\n`,
    );
    await Promise.all(clients);
    process.stdout.write(`after the window: ${JSON.stringify(outcome)}\n`);
  } finally {
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`, ADMIN_URL);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
