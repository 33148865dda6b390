/**
 * npm run fleet: the fleet proof. Three replicas of the built service start at the same moment on
 * one fresh PostgreSQL database (they race the migrations: advisory lock), HAProxy in front checks
 * /health/ready, and bounded load runs through it while each replica in turn is stopped with
 * SIGTERM, waited for, started again and waited for. Then: every request answered 200, every
 * SIGTERM'd replica exited 0 (drained), every 200's rows present in the database and no stored row
 * without a 200 (Idempotency-Key on every request makes both checkable), and one client's rate
 * limit held across replicas through Redis. Prints a summary table; exits 1 on any failure.
 *
 * Env: FLEET_CONNECTIONS (concurrent clients, default 16), FLEET_ADMIN_URL (PostgreSQL server,
 * default postgres://postgres@127.0.0.1:5432/postgres), FLEET_REDIS_URL (default
 * redis://127.0.0.1:6379). For the mutation checks (docs/OPERATIONS.md): FLEET_RETRIES=0 drops
 * HAProxy's retries and redispatch, FLEET_PRESTOP_MS=0 signals a replica while it is still in
 * rotation, FLEET_STOP_SIGNAL=SIGKILL stops replicas without a drain. FLEET_LOG_ALL=1 makes
 * HAProxy log every request (by default only abnormal ones).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { admin as adminStatement } from '../bench/bench-support';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist/apps/api/src/main.js');
const PORTS = [3461, 3462, 3463];
const FRONT = 3470;
const STATS = 3471;
const CONNECTIONS = Number(process.env.FLEET_CONNECTIONS ?? 16);
const ADMIN_URL = process.env.FLEET_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.FLEET_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RETRIES = Number(process.env.FLEET_RETRIES ?? 3);
const STOP_SIGNAL = (process.env.FLEET_STOP_SIGNAL ?? 'SIGTERM') as NodeJS.Signals;
/** Like Kubernetes' preStop + endpoint removal: HAProxy stops sending new requests this long before the signal. */
const PRESTOP_MS = Number(process.env.FLEET_PRESTOP_MS ?? 1000);
/** Per-client POST /predict budget; the load gives every request its own client, the check one client this many + 1. */
const RATE_LIMIT = 6;
const BATCH_ITEMS = 5;
const SHUTDOWN_TIMEOUT_MS = 10_000;

const FEATURES = (JSON.parse(readFileSync(join(ROOT, 'models/attrition/parity.json'), 'utf8')).rows as { features: object }[]).map(
  (r) => r.features,
);

interface Sent {
  kind: 'predict' | 'batch';
  key: string;
  status: number;
  error?: string;
  started: number;
  ended: number;
  server?: string;
}

interface Replica {
  port: number;
  child: ChildProcess;
  exited: Promise<number | null>;
}

const failures: string[] = [];
const fail = (message: string) => failures.push(message);

const admin = (sql: string) => adminStatement(sql, ADMIN_URL);

function haproxyConfig(socket: string): string {
  const retries =
    RETRIES > 0
      ? // Only failed connections are retried (the request was never sent), the last try on another
        // replica; a request that may have been received is never sent again.
        [`retries ${RETRIES}`, 'retry-on conn-failure', 'option redispatch 1']
      : ['retries 0'];
  return [
    'global',
    '  maxconn 2000',
    // Only abnormal sessions are logged (dontlog-normal), with HAProxy's termination flags.
    '  log stderr format short local0 info',
    // The runtime API: the proof takes a replica out of rotation before stopping it.
    `  stats socket ${socket} mode 600 level admin`,
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    ...(process.env.FLEET_LOG_ALL ? [] : ['  option dontlog-normal']),
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 60s',
    ...retries.map((line) => `  ${line}`),
    // A fresh server connection per request: none is reused while a replica closes it.
    '  option http-server-close',
    'frontend fleet',
    `  bind 127.0.0.1:${FRONT}`,
    '  option forwardfor',
    '  default_backend api',
    'backend api',
    '  balance roundrobin',
    '  option httpchk GET /health/ready',
    '  http-check expect status 200',
    // Down after two failed checks (readiness is 503 from the first moment of a drain), up after two;
    // a check may take 2 s on a busy machine before it counts as failed.
    '  timeout check 2s',
    '  default-server inter 500ms fall 2 rise 2',
    '  http-response set-header X-Served-By %s',
    ...PORTS.map((port, i) => `  server r${i + 1} 127.0.0.1:${port} check`),
    'listen stats',
    `  bind 127.0.0.1:${STATS}`,
    '  stats enable',
    '  stats uri /stats',
    '',
  ].join('\n');
}

/** Server name -> HAProxy status (UP, DOWN, ...), from the stats page's CSV. */
async function haproxyStatus(): Promise<Record<string, string>> {
  const csv = await (await fetch(`http://127.0.0.1:${STATS}/stats;csv`)).text();
  const lines = csv.trim().split('\n');
  const header = lines[0].replace(/^# /, '').split(',');
  const [px, sv, status] = ['pxname', 'svname', 'status'].map((c) => header.indexOf(c));
  return Object.fromEntries(
    lines
      .slice(1)
      .map((l) => l.split(','))
      .filter((f) => f[px] === 'api' && /^r\d$/.test(f[sv]))
      .map((f) => [f[sv], f[status]]),
  );
}

/** One command to HAProxy's runtime API (e.g. "set server api/r1 state drain"). */
function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const connection = connect(socket, () => connection.end(`${command}\n`));
    connection.setEncoding('utf8');
    connection.on('data', (chunk: string) => (answer += chunk));
    connection.on('end', () => (answer.trim() ? reject(new Error(`haproxy: ${command}: ${answer.trim()}`)) : resolve(answer)));
    connection.on('error', reject);
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function startReplica(port: number, databaseUrl: string): Replica {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      DATABASE_MIGRATIONS_RUN: 'true',
      WORKERS: '1',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      REDIS_URL,
      RATE_LIMIT_PREDICT: String(RATE_LIMIT),
      RATE_LIMIT_BATCH: String(RATE_LIMIT),
      // HAProxy on this machine adds X-Forwarded-For: the client is the address it forwards.
      TRUST_PROXY: 'loopback',
      LOG_LEVEL: 'warn',
      MONITORING_REFRESH_SECONDS: '3600',
    },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (code !== 0 && stderr.trim()) console.error(`replica :${port} stderr (tail):\n${stderr.trim()}`);
      resolve(code);
    }),
  );
  return { port, child, exited };
}

const ready = (port: number) => async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;

/** A random address per request or per client: each has its own rate-limit budget. */
const address = () => `10.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;

/**
 * One request through HAProxy on a connection of its own. With keep-alive connections to HAProxy,
 * 1-3 requests per run failed with "other side closed" in the first 100 ms of a replica's drain
 * and never reached HAProxy (absent from its log): HAProxy had closed the idle client connection
 * as the client reused it, a race no load balancer can retry. Clients that keep connections alive
 * retry such a request with its Idempotency-Key (docs/RELIABILITY.md); this proof counts every
 * failure instead, so it does not reuse connections.
 */
function post(path: string, key: string, client: string, body: string): Promise<{ status: number; text: string; server?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: FRONT,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-forwarded-for': client, connection: 'close' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text, server: res.headers['x-served-by'] as string | undefined }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function send(kind: Sent['kind'], key: string, client: string): Promise<Sent> {
  const feature = () => FEATURES[Math.floor(Math.random() * FEATURES.length)];
  const body = kind === 'predict' ? { features: feature() } : { items: Array.from({ length: BATCH_ITEMS }, () => ({ features: feature() })) };
  const started = performance.now();
  try {
    const res = await post(`/predict${kind === 'batch' ? '/batch' : ''}`, key, client, JSON.stringify(body));
    const answer = (res.text.startsWith('{') ? JSON.parse(res.text) : {}) as { stored?: number };
    const status = kind === 'batch' && res.status === 200 && answer.stored !== BATCH_ITEMS ? 207 : res.status;
    return { kind, key, status, started, ended: performance.now(), server: res.server };
  } catch (error) {
    const code = (error as Error & { code?: string }).code;
    return { kind, key, status: 0, error: `${(error as Error).message}${code ? ` (${code})` : ''}`, started, ended: performance.now() };
  }
}

/** CONNECTIONS clients in a loop (no retries: every failure counts) until `stop` says so. */
async function load(stop: () => boolean): Promise<Sent[]> {
  const sent: Sent[] = [];
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (!stop()) sent.push(await send(Math.random() < 0.8 ? 'predict' : 'batch', randomUUID(), address()));
    }),
  );
  return sent;
}

interface Restart {
  port: number;
  exitCode: number | null;
  stopMs: number;
  windowStart: number;
  windowEnd: number;
}

async function restartEach(replicas: Replica[], databaseUrl: string, socket: string): Promise<Restart[]> {
  const restarts: Restart[] = [];
  for (const [i, replica] of replicas.entries()) {
    const windowStart = performance.now();
    // Out of rotation first (in-flight requests continue), as Kubernetes removes a terminating pod
    // from the endpoints while preStop sleeps: no new connection then lands in the accept queue of
    // a listener that closes, where it would be reset after HAProxy sent the request.
    if (PRESTOP_MS > 0) {
      await haproxyCommand(socket, `set server api/r${i + 1} state drain`);
      await sleep(PRESTOP_MS);
    }
    replica.child.kill(STOP_SIGNAL);
    const exitCode = await replica.exited;
    const stopMs = performance.now() - windowStart;
    if (exitCode !== 0) fail(`replica :${replica.port} exited with ${exitCode} after ${STOP_SIGNAL} (0 means drained)`);
    replicas[i] = startReplica(replica.port, databaseUrl);
    await until(`replica :${replica.port} ready`, ready(replica.port), 60_000);
    if (PRESTOP_MS > 0) await haproxyCommand(socket, `set server api/r${i + 1} state ready`);
    await until(`HAProxy to see r${i + 1} UP`, async () => (await haproxyStatus())[`r${i + 1}`] === 'UP', 10_000);
    restarts.push({ port: replica.port, exitCode, stopMs, windowStart, windowEnd: performance.now() });
    await sleep(1500);
  }
  return restarts;
}

/** One client's RATE_LIMIT + 1 requests, spread over the replicas by round robin: the last is 429. */
async function rateLimitCheck(): Promise<{ statuses: number[]; servers: string[]; keys: string[] }> {
  const client = address();
  const results: Sent[] = [];
  for (let i = 0; i <= RATE_LIMIT; i++) results.push(await send('predict', randomUUID(), client));
  const statuses = results.map((r) => r.status);
  const expected = [...Array(RATE_LIMIT).fill(200), 429];
  if (statuses.join() !== expected.join()) fail(`rate limit across replicas: got ${statuses.join(' ')}, expected ${expected.join(' ')}`);
  const servers = results.map((r) => r.server ?? '?');
  if (new Set(servers).size < 2) fail(`rate limit check reached only ${[...new Set(servers)].join()}: not a fleet-wide check`);
  return { statuses, servers, keys: results.filter((r) => r.status === 200).map((r) => r.key) };
}

/** Every key answered 200 is stored once with its output; nothing else is stored. */
async function checkRows(databaseUrl: string, answered: Set<string>): Promise<{ rows: number; withoutAnswer: number; missing: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string | null; outputs: string }>(
      `SELECT i.idempotency_key AS key, COUNT(o.id) AS outputs
         FROM model_inputs i LEFT JOIN model_outputs o ON o.input_id = i.id GROUP BY i.id`,
    );
    const stored = new Set(rows.map((r) => r.key ?? ''));
    const withoutAnswer = rows.filter((r) => !r.key || !answered.has(r.key)).length;
    const badOutputs = rows.filter((r) => Number(r.outputs) !== 1).length;
    const missing = [...answered].filter((k) => !stored.has(k)).length;
    if (withoutAnswer) fail(`${withoutAnswer} stored row(s) without a 200 answer`);
    if (missing) fail(`${missing} answered prediction(s) missing from the database`);
    if (badOutputs) fail(`${badOutputs} input row(s) without exactly one output`);
    return { rows: rows.length, withoutAnswer, missing };
  } finally {
    await client.end();
  }
}

/** How many migrations the racing replicas applied; each must be recorded exactly once. */
async function migrationsApplied(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; n: string }>('SELECT name, COUNT(*) AS n FROM migrations GROUP BY name');
    const twice = rows.filter((r) => Number(r.n) !== 1);
    if (twice.length) fail(`migrations applied more than once: ${twice.map((r) => r.name).join(', ')}`);
    return rows.length;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const database = `fleet_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);
  const dir = mkdtempSync(join(tmpdir(), 'attrition-fleet-'));
  const config = join(dir, 'haproxy.cfg');
  const socket = join(dir, 'haproxy.sock');
  writeFileSync(config, haproxyConfig(socket));
  let haproxy: ChildProcess | undefined;
  let replicas: Replica[] = [];
  await admin(`CREATE DATABASE ${database}`);
  try {
    haproxy = spawn('haproxy', ['-f', config, '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
    haproxy.once('error', (error) => fail(`haproxy: ${error.message} (apt-get install haproxy)`));

    // All three at the same moment: they race the migrations on the empty database.
    const bootStarted = performance.now();
    replicas = PORTS.map((port) => startReplica(port, databaseUrl));
    await Promise.all(PORTS.map((port) => until(`replica :${port} ready`, ready(port), 90_000)));
    const bootMs = performance.now() - bootStarted;
    await until('HAProxy to see 3 replicas UP', async () => Object.values(await haproxyStatus()).filter((s) => s === 'UP').length === 3, 10_000);

    let stopping = false;
    const loading = load(() => stopping);
    await sleep(3000);
    const restarts = await restartEach(replicas, databaseUrl, socket);
    await sleep(3000);
    stopping = true;
    const sent = await loading;

    const limit = await rateLimitCheck();
    const answered = new Set<string>(limit.keys);
    for (const s of sent.filter((r) => r.status === 200)) {
      if (s.kind === 'predict') answered.add(s.key);
      else for (let i = 0; i < BATCH_ITEMS; i++) answered.add(`${s.key}#${i}`);
    }
    const failed = sent.filter((r) => r.status !== 200);
    if (failed.length) {
      const byStatus = new Map<string, number>();
      for (const f of failed) byStatus.set(`${f.status}${f.error ? ` ${f.error}` : ''}`, (byStatus.get(`${f.status}${f.error ? ` ${f.error}` : ''}`) ?? 0) + 1);
      fail(`${failed.length} failed request(s): ${[...byStatus].map(([s, n]) => `${n} x ${s}`).join(', ')}`);
      for (const f of failed.slice(0, 10)) {
        const at = restarts.map((w, i) => `r${i + 1}${f.started - w.windowStart >= 0 ? '+' : ''}${Math.round(f.started - w.windowStart)}ms`);
        fail(`  ${f.kind} ${f.key} started ${at.join(' / ')} after the stop signals, lasted ${Math.round(f.ended - f.started)} ms`);
      }
    }
    const rows = await checkRows(databaseUrl, answered);
    const migrations = await migrationsApplied(databaseUrl);

    const inRestart = sent.filter((r) => restarts.some((w) => r.ended >= w.windowStart && r.started <= w.windowEnd));
    const durations = sent.map((r) => r.ended - r.started).sort((a, b) => a - b);
    const pct = (p: number) => durations[Math.min(durations.length - 1, Math.floor((p / 100) * durations.length))] ?? 0;
    const longestInRestart = Math.max(0, ...inRestart.map((r) => r.ended - r.started));
    const servers = new Map<string, number>();
    for (const s of sent) servers.set(s.server ?? '-', (servers.get(s.server ?? '-') ?? 0) + 1);

    const table: [string, string][] = [
      ['replicas started at once (migrations raced)', `${PORTS.length}, all ready in ${(bootMs / 1000).toFixed(1)} s`],
      ['migrations applied (each once)', String(migrations)],
      ['concurrent clients through HAProxy', String(CONNECTIONS)],
      ['requests (/predict + /predict/batch of 5)', `${sent.length} (${sent.filter((s) => s.kind === 'predict').length} + ${sent.filter((s) => s.kind === 'batch').length})`],
      ['answered by replica', [...servers].sort().map(([s, n]) => `${s}: ${n}`).join(', ')],
      ['failed requests', String(failed.length)],
      ['rolling restarts (stop signal, exit codes)', `${restarts.length} (${STOP_SIGNAL}, ${restarts.map((r) => r.exitCode).join(' ')})`],
      ['replica stop time (signal to exit)', restarts.map((r) => `${Math.round(r.stopMs)} ms`).join(', ')],
      ['restart windows (out of rotation to UP again)', restarts.map((r) => `${((r.windowEnd - r.windowStart) / 1000).toFixed(1)} s`).join(', ')],
      ['requests overlapping a restart', String(inRestart.length)],
      ['longest request during a restart', `${Math.round(longestInRestart)} ms`],
      ['request latency p50 / p99 / max', `${Math.round(pct(50))} / ${Math.round(pct(99))} / ${Math.round(durations.at(-1) ?? 0)} ms`],
      ['rows checked (one per 200 prediction)', `${rows.rows} stored, ${answered.size} answered, ${rows.missing} missing, ${rows.withoutAnswer} without an answer`],
      [`one client's ${RATE_LIMIT + 1} requests (Redis limit ${RATE_LIMIT})`, limit.statuses.map((s, i) => `${s}@${limit.servers[i]}`).join(' ')],
      ['out of rotation before the signal / retries / signal', `${PRESTOP_MS} ms / ${RETRIES} (conn-failure only) / ${STOP_SIGNAL}`],
      ['total run time (after build)', `${((performance.now() - started) / 1000).toFixed(0)} s`],
    ];
    const width = Math.max(...table.map(([k]) => k.length));
    console.log(`\nFleet proof (${new Date().toISOString()})`);
    for (const [k, v] of table) console.log(`  ${k.padEnd(width)}  ${v}`);
  } finally {
    for (const replica of replicas) replica.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    haproxy?.kill('SIGKILL');
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length) {
    console.error(`\nFLEET PROOF FAILED:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('\nFleet proof passed: zero failed requests, every answer stored, no row without an answer, limits fleet-wide.');
}

main().catch((error: Error) => {
  console.error(`fleet: ${error.message}`);
  process.exit(1);
});
