/**
 * Shared by the benchmark scripts: `--help` from each script's header comment, the working tree's
 * build, builds of other git refs side by side, one PostgreSQL database and one port per service,
 * CPU accounting of a service's processes, and autocannon points.
 */
import { ChildProcess, execFileSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';

export const ROOT = join(__dirname, '..', '..');
export const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** First port of the services; the HTTP floors (scripts/bench/http-floor.js) take the ones below it. */
export const BASE_PORT = Number(process.env.BENCH_PORT ?? 3441);

/**
 * The usage of a script: its header comment (the leading block comment or `//` lines), without the
 * comment markers. Each bench script documents its npm entry, arguments and variables there.
 */
export function usageOf(file: string): string {
  const source = readFileSync(file, 'utf8');
  const block = /^\/\*\*?\n?([\s\S]*?)\*\//.exec(source);
  const text = block ? block[1].replace(/^ ?\* ?/gm, '') : (/^(?:\/\/.*\n)+/.exec(source)?.[0] ?? '').replace(/^\/\/ ?/gm, '');
  return `${text.trim()}\n`;
}

/**
 * With `--help` or `-h` on the command line, prints the script's usage (usageOf) on stdout and
 * exits 0. Every bench command calls it before doing anything else: no build, no database, no port.
 */
export function exitOnHelp(file: string, args: readonly string[] = process.argv.slice(2)): void {
  if (!args.includes('--help') && !args.includes('-h')) return;
  process.stdout.write(usageOf(file));
  process.exit(0);
}

/**
 * `npm run build` in this tree (the service and its console in dist/), for the commands that
 * measure the working tree's build. Run by the script after exitOnHelp, not by its npm entry, so
 * that `--help` answers at once.
 */
export function buildWorkingTree(): void {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Runs one statement on the PostgreSQL server's admin database (CREATE/DROP DATABASE). */
export async function admin(sql: string, url = ADMIN_URL): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A build to measure: the working tree (`.`, built by `npm run bench`) or a git ref built in a worktree. */
export interface Build {
  ref: string;
  /** Directory holding `dist/apps/api/src/main.js` and `models/`. */
  dir: string;
}

/**
 * Builds each ref (except `.`, the working tree) in its own `git worktree` under one temporary
 * directory, with the repository's node_modules linked in (an `npm ci` per ref would take minutes
 * and could resolve other versions). Returns the builds and a cleanup function. With
 * BENCH_BUILD_DIR set, the worktrees are kept there and reused by later runs (a commit's build
 * does not change).
 */
export function prepareBuilds(refs: string[]): { builds: Build[]; cleanup: () => void } {
  const kept = process.env.BENCH_BUILD_DIR;
  if (kept) mkdirSync(kept, { recursive: true });
  const temp = kept ?? mkdtempSync(join(tmpdir(), 'attrition-bench-'));
  const added: string[] = [];
  /** node_modules installed for a lockfile other than the repository's, by lockfile. */
  const installed = new Map<string, string>();
  const builds = refs.map((ref): Build => {
    if (ref === '.') return { ref: 'working tree', dir: ROOT };
    const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dir = join(temp, sha);
    if (!existsSync(join(dir, 'dist/apps/api/src/main.js'))) {
      if (existsSync(dir)) execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' });
      execFileSync('git', ['worktree', 'add', '--detach', '-f', dir, sha], { cwd: ROOT, stdio: 'ignore' });
      added.push(dir);
      // An old build with other dependencies (nestjs-pino before bb463b7, say) gets its own install,
      // shared with the other builds of the same lockfile.
      const lock = readFileSync(join(dir, 'package-lock.json'), 'utf8');
      const modules = lock === readFileSync(join(ROOT, 'package-lock.json'), 'utf8') ? join(ROOT, 'node_modules') : installed.get(lock);
      if (modules) symlinkSync(modules, join(dir, 'node_modules'), 'dir');
      else {
        console.error(`installing the dependencies of ${ref} (${sha}) in ${dir}`);
        execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
        if (!existsSync(join(dir, 'node_modules/@nestjs/core'))) throw new Error(`npm ci left no node_modules in ${dir}`);
        installed.set(lock, join(dir, 'node_modules'));
      }
      console.error(`building ${ref} (${sha}) in ${dir}`);
      execFileSync(join(ROOT, 'node_modules/.bin/nest'), ['build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    return { ref: ref === sha ? sha : `${ref} (${sha})`, dir };
  });
  const cleanup = () => {
    if (kept) return;
    for (const dir of added) execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' });
    rmSync(temp, { recursive: true, force: true });
  };
  return { builds, cleanup };
}

/** Forks `script` and resolves once `readyPath` answers 2xx (GET) or, without one, `POST /` does. */
export function start(script: string, cwd: string, env: Record<string, string>, execArgv: string[] = [], quietStdout = false): Promise<ChildProcess> {
  const stdio = ['ignore', quietStdout ? 'ignore' : 'inherit', 'inherit', 'ipc'] as const;
  const child = fork(script, [], { cwd, execArgv, env: { ...process.env, ...env }, stdio: [...stdio] });
  return new Promise((resolve, reject) => {
    const early = (code: number | null) => reject(new Error(`${script} exited with code ${code} before it was ready`));
    child.once('exit', early);
    const poll = async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${env.PORT}${env.READY_PATH ?? '/'}`, { method: env.READY_PATH ? 'GET' : 'POST', body: env.READY_PATH ? undefined : '{}' });
        if (res.ok) {
          child.off('exit', early);
          return resolve(child);
        }
      } catch {
        // not listening yet
      }
      setTimeout(poll, 200);
    };
    void poll();
  });
}

/** Stops a child and waits for it to exit (so that a --cpu-prof profile is written). */
export function stop(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) used so far by a process and its live children (the cluster
 * workers when WORKERS > 1), from /proc/<pid>/stat. Linux only; 10 ms resolution.
 */
export function cpuSeconds(pid: number): number {
  const stat = (p: number) => {
    try {
      // The command name (field 2) may contain spaces: split after its closing parenthesis.
      const text = readFileSync(`/proc/${p}/stat`, 'utf8');
      return text.slice(text.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined;
    }
  };
  let ticks = 0;
  const own = stat(pid);
  if (own) ticks += Number(own[11]) + Number(own[12]); // utime, stime (fields 14, 15)
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = stat(Number(entry));
    if (fields && Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

export interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
}

export async function load(url: string, connections: number, body: string, run: { duration: number } | { amount: number }): Promise<LoadResult> {
  const started = performance.now();
  const result = await autocannon({ url, method: 'POST', connections, ...run, headers: { 'content-type': 'application/json' }, body });
  const seconds = 'duration' in run ? run.duration : (performance.now() - started) / 1000;
  return {
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/** One connection, one request at a time, timed with the high-resolution clock (autocannon rounds to 1 ms). */
export async function sequentialLatency(url: string, body: string, n: number): Promise<{ p50: number; p99: number; ok: number; failed: number }> {
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
  return { p50: times[Math.floor(n * 0.5)], p99: times[Math.floor(n * 0.99)], ok: n - failed, failed };
}

/** Request bodies built from the parity rows. */
export function bodies(): { single: string; batchOf: (n: number) => string } {
  const parity = JSON.parse(readFileSync(join(ROOT, 'models/attrition/parity.json'), 'utf8')).rows as { features: object }[];
  return {
    single: JSON.stringify({ features: parity[0].features }),
    batchOf: (n: number) => JSON.stringify({ items: Array.from({ length: n }, (_, i) => ({ features: parity[i % parity.length].features })) }),
  };
}

/** Counts of stored inputs and outputs; throws when they differ (an input without its output). */
/**
 * On a connection of its own each time: a long-lived one would end the run if anyone (another
 * test on a shared server) terminates backends meanwhile.
 */
export async function storedRows(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT (SELECT COUNT(*) FROM model_inputs)::int AS inputs, (SELECT COUNT(*) FROM model_outputs)::int AS outputs',
    );
    if (rows[0].inputs !== rows[0].outputs) throw new Error(`${rows[0].inputs} inputs but ${rows[0].outputs} outputs`);
    return rows[0].outputs as number;
  } finally {
    await client.end();
  }
}

/** The service environment shared by every bench script. */
export function serviceEnv(port: number, databaseUrl: string, workers: number): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    WORKERS: String(workers),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'log',
    // The load generator is one client: the per-client limits would measure themselves.
    RATE_LIMIT_PREDICT: process.env.RATE_LIMIT_PREDICT ?? '0',
    RATE_LIMIT_BATCH: process.env.RATE_LIMIT_BATCH ?? '0',
    // The live-monitoring gauges rescan the growing tables every minute (three reports per worker):
    // in a bench that is other services' load during a point. Once a day here, i.e. only at start-up.
    MONITORING_REFRESH_SECONDS: process.env.MONITORING_REFRESH_SECONDS ?? '86400',
    READY_PATH: '/health/ready',
  };
}

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Event-loop delay of a service started with scripts/bench/service-probe.js, in ms. */
export interface EventLoopDelay {
  max: number;
  p99: number;
  mean: number;
}

export const SERVICE_PROBE = ['-r', join(ROOT, 'scripts/bench/service-probe.js')];

/** Starts a new measuring window in the service's probe. */
export function resetEventLoop(child: ChildProcess): void {
  if (child.connected) child.send('event-loop:reset');
}

/** The window's delays, or undefined when the service has no probe (WORKERS > 1). */
export function reportEventLoop(child: ChildProcess): Promise<EventLoopDelay | undefined> {
  if (!child.connected) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(undefined);
    }, 1000);
    const onMessage = (message: { eventLoop?: EventLoopDelay }) => {
      if (!message?.eventLoop) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.eventLoop);
    };
    child.on('message', onMessage);
    child.send('event-loop:report');
  });
}

/** Starts the V8 CPU profiler in a service started with scripts/bench/service-probe.js. */
export function startCpuProfile(child: ChildProcess): void {
  child.send('cpu-profile:start');
}

/** Stops the profiler and waits until the profile is written to `path`. */
export function stopCpuProfile(child: ChildProcess, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { cpuProfileWritten?: string | null }) => {
      if (message?.cpuProfileWritten === undefined) return;
      child.off('message', onMessage);
      if (message.cpuProfileWritten) resolve();
      else reject(new Error('The service could not write its CPU profile'));
    };
    child.on('message', onMessage);
    child.send({ cpuProfile: path });
  });
}
