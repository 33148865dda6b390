/**
 * Measures POST /predict/csv and `npm run score` on files of 10k, 100k and 1M generated rows
 * (scripts/bench/csv-generate.ts: training rows with a perturbed income): rows/s, and the RSS of the
 * process doing the work (the service, or the score command) sampled every 250 ms, reported at
 * 10 %, 50 % and 100 % of the file and at its peak. Each run gets a fresh PostgreSQL database and
 * checks afterwards that every row is stored.
 *
 *   npm run bench:csv -- [ROWS,...] [--only http|score]
 *
 * Env: CSV_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), CSV_BENCH_PORT (3430).
 * Both processes run from the TypeScript sources (ts-node, transpile only), so the RSS includes it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { exitOnHelp } from './bench-support';
import { generateCsv } from './csv-generate';

exitOnHelp(__filename);

const ROOT = join(__dirname, '..', '..');
const ADMIN_URL = process.env.CSV_BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PORT = Number(process.env.CSV_BENCH_PORT ?? 3430);
const TS = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

interface Result {
  path: 'http' | 'score';
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  rssMb: { at10: number; at50: number; at100: number; peak: number };
  stored: number;
}

async function sql<T>(url: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** Counts data rows of a CSV answer as it streams by (no quoted line breaks in generated files). */
async function countRows(output: Readable, onRows: (rows: number) => void): Promise<number> {
  let lines = 0;
  for await (const piece of output as AsyncIterable<Buffer>) {
    for (let i = piece.indexOf(10); i !== -1; i = piece.indexOf(10, i + 1)) lines++;
    onRows(Math.max(0, lines - 1));
  }
  return Math.max(0, lines - 1);
}

function sampler(pid: number, total: number) {
  let peak = 0;
  let rows = 0;
  const marks = { at10: 0, at50: 0, at100: 0 };
  const timer = setInterval(() => {
    const rss = rssMb(pid);
    peak = Math.max(peak, rss);
    if (!marks.at10 && rows >= total * 0.1) marks.at10 = rss;
    if (!marks.at50 && rows >= total * 0.5) marks.at50 = rss;
  }, 250);
  return {
    progress: (n: number) => (rows = n),
    stop: () => {
      clearInterval(timer);
      marks.at100 = rssMb(pid);
      return { ...marks, peak: Math.max(peak, marks.at100) };
    },
  };
}

async function waitReady(child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function viaHttp(rows: number, databaseUrl: string): Promise<Result> {
  const env = { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', RATE_LIMIT_BATCH: '0', HTTP_REQUEST_TIMEOUT_MS: '3600000', MONITORING_REFRESH_SECONDS: '86400' };
  const child = spawn(process.execPath, [...TS, 'apps/api/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitReady(child);
    const sample = sampler(child.pid!, rows);
    const started = performance.now();
    const counted = await new Promise<number>((resolve, reject) => {
      const req = request(`http://127.0.0.1:${PORT}/predict/csv`, { method: 'POST', headers: { 'content-type': 'text/csv' } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        countRows(res, sample.progress).then(resolve, reject);
      });
      req.on('error', reject);
      generateCsv(rows).pipe(req);
    });
    const seconds = (performance.now() - started) / 1000;
    const rss = sample.stop();
    if (counted !== rows) throw new Error(`${counted} rows answered, ${rows} sent`);
    return { path: 'http', rows, seconds, rowsPerSecond: rows / seconds, rssMb: rss, stored: 0 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function viaScore(rows: number, databaseUrl: string): Promise<Result> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [...TS, 'scripts/cli/score.ts', '-'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] });
  const sample = sampler(child.pid!, rows);
  // The clock starts when the first row comes back: the score command's start-up (ts-node, the
  // model, migrations) is not scoring.
  let started = 0;
  const counting = countRows(child.stdout!, (n) => {
    if (!started && n > 0) started = performance.now();
    sample.progress(n);
  });
  generateCsv(rows).pipe(child.stdin!);
  const counted = await counting;
  const seconds = (performance.now() - started) / 1000;
  const rss = sample.stop();
  const code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
  if (code !== 0 || counted !== rows) throw new Error(`score exited ${code} with ${counted} of ${rows} rows`);
  return { path: 'score', rows, seconds, rowsPerSecond: rows / seconds, rssMb: rss, stored: 0 };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { only: { type: 'string' } } });
  const sizes = (positionals[0] ?? '10000,100000,1000000').split(',').map(Number);
  const paths = values.only ? [values.only as 'http' | 'score'] : (['http', 'score'] as const);
  const results: Result[] = [];
  for (const path of paths) {
    for (const rows of sizes) {
      const database = `attrition_csv_bench_${process.pid}_${path}_${rows}`;
      await sql(ADMIN_URL, `CREATE DATABASE ${database}`);
      const url = new URL(ADMIN_URL);
      url.pathname = `/${database}`;
      try {
        const result = await (path === 'http' ? viaHttp(rows, url.toString()) : viaScore(rows, url.toString()));
        const [{ n }] = await sql<{ n: string }>(url.toString(), 'SELECT COUNT(*) AS n FROM model_outputs');
        result.stored = Number(n);
        results.push(result);
        const r = result.rssMb;
        console.log(
          `${path} ${rows} rows: ${result.seconds.toFixed(1)} s, ${result.rowsPerSecond.toFixed(0)} rows/s, stored ${result.stored}; ` +
            `RSS MB at 10% ${r.at10.toFixed(0)}, 50% ${r.at50.toFixed(0)}, end ${r.at100.toFixed(0)}, peak ${r.peak.toFixed(0)}`,
        );
      } finally {
        await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      }
    }
  }
  console.log(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
