import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { describeIf, TEST_SETTINGS } from './test-settings';

const ROOT = join(__dirname, '..', '..');
export const BUILT_MAIN = join(ROOT, 'dist/apps/api/src/main.js');

/**
 * `npm run build`, as the Dockerfile does: the tests below run what production runs. The console
 * is built too, so that `dist/` is whole after a test run (nest build empties it first).
 *
 * Once per test run: the first file to ask builds, under a lock that the files in other jest
 * workers wait on; the others find the marker it leaves in the run's folder (TEST_RUN_DIR, made by
 * e2e-global-setup.ts and removed at the run's end). Without that folder (a file run outside the
 * e2e project), every call builds.
 */
export function buildApp(): void {
  const runDir = process.env.TEST_RUN_DIR;
  if (!runDir) return build();
  const built = join(runDir, 'app-built');
  const lock = join(runDir, 'app-build.lock');
  const deadline = Date.now() + 2 * BUILD_TIMEOUT_MS;
  for (;;) {
    if (existsSync(built)) return;
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() > deadline) throw new Error(`Waited too long for another jest worker's npm run build (lock ${lock})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
      continue;
    }
    try {
      // A build that failed leaves no marker: the next file tries again, and reports its own failure.
      if (!existsSync(built)) {
        build();
        writeFileSync(built, `${new Date().toISOString()} pid ${process.pid}\n`);
      }
      return;
    } finally {
      rmdirSync(lock);
    }
  }
}

const BUILD_TIMEOUT_MS = 180_000;

/**
 * `base` (`describe` by default) for a block that runs the built app: the build happens before
 * its first test (once per run, see buildApp), and TEST_BUILDS=off skips the block, saying so.
 */
export function describeBuiltApp(base: jest.Describe = describe): (name: string, fn: () => void) => void {
  const block = describeIf(TEST_SETTINGS.builds, 'TEST_BUILDS=off', base);
  return (name, fn) =>
    block(name, () => {
      // Long enough to wait for a build in another jest worker, then make none.
      beforeAll(() => buildApp(), 2 * BUILD_TIMEOUT_MS + 10_000);
      fn();
    });
}

function build(): void {
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
  if (result.status !== 0) throw new Error(`npm run build failed: ${result.stdout}${result.stderr}`);
}

/** Whether this machine lets the tests start a process as PID 1 of its own PID namespace. */
export function canUnsharePid(): boolean {
  return spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { timeout: 10_000 }).status === 0;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A child process running the built app, with its output kept for the assertions. */
export interface ChildApp {
  port: number;
  /** The process that the signals go to: the app itself (PID 1 of its namespace under unshare). */
  pid: number;
  output(): string;
  /** Resolves with the exit code and the time of exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves once `count` processes logged that they listen. */
  listening(count: number, timeoutMs?: number): Promise<void>;
  kill(): void;
}

export async function startBuiltApp(env: Record<string, string>, { asPid1 = false } = {}): Promise<ChildApp> {
  const port = await freePort();
  const command = asPid1 ? 'unshare' : process.execPath;
  const args = asPid1 ? ['--pid', '--fork', '--mount-proc', process.execPath, BUILT_MAIN] : [BUILT_MAIN];
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'log', RATE_LIMIT_PREDICT: '0', RATE_LIMIT_BATCH: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const pid = asPid1 ? await childOf(child.pid!) : child.pid!;
  return {
    port,
    pid,
    output: () => text,
    exited,
    async listening(count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while ((text.match(/Listening on http/g) ?? []).length < count) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`The app did not start:\n${text}`);
        await sleep(50);
      }
    },
    kill: () => {
      for (const p of [pid, child.pid!]) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** The host PID of the one child of `parent` (unshare --fork's child is PID 1 inside its namespace). */
async function childOf(parent: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const children = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim();
    if (children) return Number(children.split(' ')[0]);
    await sleep(25);
  }
  throw new Error(`unshare (${parent}) started no child`);
}

/** PIDs of the direct children of a process (the cluster workers of a primary). */
export function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text ? text.split(' ').map(Number) : [];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const REQUEST_TIMEOUT_MS = 15_000;

/** What happened to one request. */
export type Outcome =
  | { kind: 'answered'; status: number; body: string; connectionClose: boolean; retryAfter?: string; ms: number }
  /** Never reached the server: the listener was closed (connection refused). */
  | { kind: 'refused' }
  /** The request was written to a connection that then failed without an answer (or gave none: TIMEOUT). */
  | { kind: 'reset'; code: string; ms: number };

/** One HTTP/1.1 request over a keep-alive agent, classified as answered, refused or reset. */
export function send(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const started = performance.now();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    let sent = false;
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            kind: 'answered',
            status: res.statusCode ?? 0,
            body: text,
            connectionClose: res.headers.connection === 'close',
            retryAfter: res.headers['retry-after'],
            ms: performance.now() - started,
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ kind: 'reset', code: error.code ?? error.message, ms: performance.now() - started }),
        );
      },
    );
    req.on('finish', () => (sent = true));
    // Far above any answer time here: a request still unanswered then would hang for ever.
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('no answer'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && !sent) resolve({ kind: 'refused' });
      else resolve({ kind: 'reset', code: error.code ?? error.message, ms: performance.now() - started });
    });
    req.end(payload);
  });
}
