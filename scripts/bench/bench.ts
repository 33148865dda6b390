/**
 * npm run bench: measures POST /predict and POST /predict/batch against PostgreSQL for one or more
 * builds side by side (BENCH_REFS), next to the HTTP stack's floors in the same run (a bare Node.js
 * server, Express, NestJS on Express and on Fastify: scripts/bench/http-floor.js), with each process's CPU
 * time per request, then checks that every 200 answer left its rows.
 *
 * Env:
 * - BENCH_REFS: comma-separated git refs to build in worktrees and measure in the same run; `.` is
 *   the working tree (built by `npm run bench`). Default `.`. Example: BENCH_REFS=c3ee968,.
 * - BENCH_WORKERS: comma-separated WORKERS values, each measured for every ref. Default `1`.
 * - BENCH_DURATION: seconds per timed point (default 10). BENCH_ROUNDS: how many times each timed
 *   point is measured on every service, round after round (default 1); the table shows the round
 *   with the median requests/s and the range over the rounds, so that one busy moment of a shared
 *   machine cannot decide a comparison. BENCH_SEQUENTIAL (default 2,000),
 *   BENCH_FIXED_PREDICTS (20,000) and BENCH_FIXED_BATCHES (20): sizes of the untimed points.
 *   BENCH_BUILD_DIR: keep the worktree builds there for later runs. BENCH_PORT: first port (default 3441;
 *   the floors take the ports below it). BENCH_FLOORS: which floors (default all four:
 *   node,express,nest-express,nest-fastify; empty for none). BENCH_ADMIN_URL: the PostgreSQL server to create the
 *   databases on. LOG_LEVEL: the services' level (default `log`: the per-request line is on;
 *   their stdout is discarded). Any other service variable (ORT_COALESCE, ...) is passed through.
 *
 * Every service (ref × workers) gets its own fresh database and port; all are started first, then
 * each point is measured on each service in turn, so slow drifts of a shared machine hit all alike.
 */
import { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  admin,
  BASE_PORT,
  bodies,
  Build,
  cpuSeconds,
  databaseUrl,
  SERVICE_PROBE,
  EventLoopDelay,
  load,
  LoadResult,
  prepareBuilds,
  reportEventLoop,
  resetEventLoop,
  ROOT,
  sequentialLatency,
  serviceEnv,
  start,
  stop,
  storedRows,
  buildWorkingTree,
  exitOnHelp,
} from './bench-support';

exitOnHelp(__filename);

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const REFS = (process.env.BENCH_REFS ?? '.').split(',').map((r) => r.trim()).filter(Boolean);
const WORKERS = (process.env.BENCH_WORKERS ?? '1').split(',').map(Number);
const SEQUENTIAL_REQUESTS = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const FIXED_PREDICTS = Number(process.env.BENCH_FIXED_PREDICTS ?? 20_000);
const FIXED_BATCHES = Number(process.env.BENCH_FIXED_BATCHES ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const FLOOR_LABELS: Record<string, string> = {
  node: 'floor: bare Node.js server',
  express: 'floor: Express 5 + express.json',
  'nest-express': 'floor: NestJS 11 on platform-express',
  'nest-fastify': 'floor: NestJS 11 on platform-fastify',
};
const FLOORS = (process.env.BENCH_FLOORS ?? Object.keys(FLOOR_LABELS).join(',')).split(',').map((f) => f.trim()).filter(Boolean);

interface Service {
  label: string;
  child: ChildProcess;
  url: string;
  database: string;
  /** The service's database, for counting stored rows. */
  databaseUrl: string;
}

interface Row {
  service: string;
  point: string;
  connections: number;
  items: number;
  requestsPerSecond: number;
  predictionsPerSecond: number;
  p50: string;
  p99: string;
  /** Service CPU (all its processes) per request and per prediction, in µs. */
  cpuPerRequest?: number;
  cpuPerItem?: number;
  failed: number;
  /** The service's event-loop delay during the point (WORKERS=1 only). */
  eventLoop?: EventLoopDelay;
  /** Rows stored during the point vs predictions answered 200; `slack` for timed points. */
  stored?: number;
  answered?: number;
  slack?: number;
  /** With BENCH_ROUNDS > 1: the range of requests/s and CPU per request over the rounds. */
  spread?: string;
}

async function main(): Promise<void> {
  buildWorkingTree();
  const { single, batchOf } = bodies();
  const batch = batchOf(1000);
  const { builds, cleanup } = prepareBuilds(REFS);
  const children: ChildProcess[] = [];
  const services: Service[] = [];
  const rows: Row[] = [];
  let exitCode = 0;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const child of children) await stop(child);
      for (const service of services) await admin(`DROP DATABASE IF EXISTS ${service.database} WITH (FORCE)`);
      cleanup();
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  }
  try {
    const floors: { label: string; child: ChildProcess; url: string }[] = [];
    for (const [i, floor] of FLOORS.entries()) {
      if (!FLOOR_LABELS[floor]) throw new Error(`BENCH_FLOORS: unknown floor ${floor}`);
      const floorPort = BASE_PORT - 1 - i;
      const child = await start(join(ROOT, 'scripts/bench/http-floor.js'), ROOT, { PORT: String(floorPort), FLOOR: floor });
      children.push(child);
      floors.push({ label: FLOOR_LABELS[floor], child, url: `http://127.0.0.1:${floorPort}/` });
    }
    let port = BASE_PORT;
    for (const build of builds) {
      for (const workers of WORKERS) services.push(await startService(build, workers, port++, children));
    }

    const point = async (service: Service, name: string, connections: number, items: number, body: string, run: { duration: number } | { amount: number }) => {
      const before = await settledRows(service.databaseUrl);
      const cpuBefore = cpuSeconds(service.child.pid!);
      resetEventLoop(service.child);
      // autocannon refuses more connections than requests.
      if ('amount' in run) connections = Math.min(connections, run.amount);
      const result = await load(`${service.url}${items === 1 ? '/predict' : '/predict/batch'}`, connections, body, run);
      const cpu = cpuSeconds(service.child.pid!) - cpuBefore;
      const eventLoop = await reportEventLoop(service.child);
      const stored = (await settledRows(service.databaseUrl)) - before;
      const row: Row = {
        ...loadRow(service.label, name, connections, items, result, cpu),
        eventLoop,
        stored,
        answered: result.ok * items,
        slack: 'duration' in run ? connections * items : 0,
      };
      rows.push(row);
      console.error(`${row.service} ${name} c=${connections}: ${row.requestsPerSecond.toFixed(0)} req/s, ` +
        `p99 ${row.p99} ms, ${row.cpuPerRequest?.toFixed(0) ?? '-'} µs CPU/request, ${row.failed} failed`);
    };

    for (const service of services) {
      // One connection: high-resolution latency (and its CPU), then stored rows checked exactly.
      const before = await settledRows(service.databaseUrl);
      const cpuBefore = cpuSeconds(service.child.pid!);
      resetEventLoop(service.child);
      const started = performance.now();
      const latency = await sequentialLatency(`${service.url}/predict`, single, SEQUENTIAL_REQUESTS);
      const seconds = (performance.now() - started) / 1000;
      const cpu = cpuSeconds(service.child.pid!) - cpuBefore;
      const eventLoop = await reportEventLoop(service.child);
      rows.push({
        service: service.label,
        point: '/predict sequential',
        connections: 1,
        items: 1,
        requestsPerSecond: latency.ok / seconds,
        predictionsPerSecond: latency.ok / seconds,
        p50: latency.p50.toFixed(2),
        p99: latency.p99.toFixed(2),
        cpuPerRequest: (cpu * 1e6) / latency.ok,
        cpuPerItem: (cpu * 1e6) / latency.ok,
        failed: latency.failed,
        eventLoop,
        stored: (await storedRows(service.databaseUrl)) - before,
        answered: latency.ok,
        slack: 0,
      });
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const service of services) await point(service, '/predict', 32, 1, single, { duration: DURATION });
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const service of services) await point(service, '/predict/batch', 2, 1000, batch, { duration: DURATION });
    }
    for (const name of ['/predict', '/predict/batch']) medianRound(rows, name);
    // Fixed amounts, so that every request sent is also answered: rows must equal the 200s exactly.
    for (const service of services) await point(service, '/predict (fixed amount)', 32, 1, single, { amount: FIXED_PREDICTS });
    for (const service of services) await point(service, '/predict/batch (fixed amount)', 2, 1000, batch, { amount: FIXED_BATCHES });
    // The HTTP stack's floors for the same bodies: what the framework costs before any of our code.
    for (const [connections, items, body] of [[32, 1, single], [2, 1000, batch]] as const) {
      for (const floor of floors) {
        await load(floor.url, connections, body, { duration: 2 }); // warm-up
        const cpuBefore = cpuSeconds(floor.child.pid!);
        const result = await load(floor.url, connections, body, { duration: DURATION });
        const cpu = cpuSeconds(floor.child.pid!) - cpuBefore;
        rows.push(loadRow(floor.label, items === 1 ? '/ (single body)' : '/ (1,000-item body)', connections, items, result, cpu));
      }
    }

    print(rows);
    for (const row of rows) {
      if (row.failed > 0) exitCode = 1;
      if (!storedMatches(row)) exitCode = 1;
    }
    if (exitCode) console.error('FAIL: a non-200 answer, or stored rows that do not match the 200 answers');
  } finally {
    await cleanUp();
  }
  process.exit(exitCode);
}

/**
 * The stored rows once requests cut off by the load generator have finished: the count is read
 * every 500 ms until it stops changing (at most 30 s), so that they are not counted in the next point.
 */
async function settledRows(databaseUrl: string): Promise<number> {
  let last = await storedRows(databaseUrl);
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await storedRows(databaseUrl);
    if (now === last) return now;
    last = now;
  }
  return last;
}

async function startService(build: Build, workers: number, port: number, children: ChildProcess[]): Promise<Service> {
  const database = `attrition_bench_${process.pid}_${port}`;
  await admin(`CREATE DATABASE ${database}`);
  const url = databaseUrl(database);
  console.error(`starting ${build.ref} with WORKERS=${workers} on port ${port}`);
  const child = await start(join(build.dir, 'dist/apps/api/src/main.js'), build.dir, serviceEnv(port, url, workers), SERVICE_PROBE, true);
  children.push(child);
  return { label: `${build.ref}, WORKERS=${workers}`, child, url: `http://127.0.0.1:${port}`, database, databaseUrl: url };
}

/** The figures of one autocannon point, with the process's CPU seconds spent during it. */
function loadRow(service: string, point: string, connections: number, items: number, result: LoadResult, cpu: number): Row {
  return {
    service,
    point,
    connections,
    items,
    requestsPerSecond: result.ok / result.seconds,
    predictionsPerSecond: (result.ok * items) / result.seconds,
    p50: String(result.p50),
    p99: String(result.p99),
    cpuPerRequest: result.ok > 0 ? (cpu * 1e6) / result.ok : undefined,
    cpuPerItem: result.ok > 0 ? (cpu * 1e6) / (result.ok * items) : undefined,
    failed: result.failed,
  };
}

/** Whether a point's stored rows match its 200 answers (exactly, or within its slack). */
function storedMatches(row: Row): boolean {
  return row.stored === undefined || (row.stored >= row.answered! && row.stored <= row.answered! + row.slack!);
}

/**
 * Replaces each service's rows of `point` (one per round) by the round with the median requests/s,
 * or by a round that failed a check (a non-200 or a lost row), which then fails the bench.
 */
function medianRound(rows: Row[], point: string): void {
  const rounds = new Map<string, Row[]>();
  for (const row of rows.filter((r) => r.point === point)) rounds.set(row.service, [...(rounds.get(row.service) ?? []), row]);
  for (const measured of rounds.values()) {
    if (measured.length < 2) continue;
    const median = [...measured].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor((measured.length - 1) / 2)];
    const failing = measured.find((r) => r.failed > 0 || !storedMatches(r));
    const shown = failing ?? median;
    const range = (values: number[]) => `${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))}`;
    shown.spread = `${failing ? 'a failed round' : 'median'} of ${measured.length} rounds; ` +
      `${range(measured.map((r) => r.requestsPerSecond))} req/s, ${range(measured.map((r) => r.cpuPerRequest ?? 0))} µs CPU/request`;
    for (const row of measured) if (row !== shown) rows.splice(rows.indexOf(row), 1);
  }
}

function print(rows: Row[]): void {
  const uptime = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`\nnpm run bench, ${new Date().toISOString()}: BENCH_REFS=${REFS.join(',')} BENCH_WORKERS=${WORKERS.join(',')} ` +
    `BENCH_DURATION=${DURATION}s, LOG_LEVEL=${process.env.LOG_LEVEL ?? 'log'}, ORT_COALESCE=${process.env.ORT_COALESCE ?? 'true'}, ` +
    `DATABASE_GROUP_COMMIT=${process.env.DATABASE_GROUP_COMMIT ?? 'true'}; load average before the table: ${uptime}\n`);
  console.log('| build | point | connections | items/request | requests/s | predictions/s | p50 ms | p99 ms | CPU µs/request | CPU µs/prediction | event-loop delay max / p99 ms | non-200 | rows stored / answered |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const order = (r: Row) => ['/ (single body)', '/ (1,000-item body)', '/predict sequential', '/predict', '/predict (fixed amount)', '/predict/batch', '/predict/batch (fixed amount)'].indexOf(r.point);
  // Services in the order they were started (the floors first), whichever round a median came from.
  const services = [...new Set(rows.map((r) => r.service))];
  const sorted = [...rows].sort((a, b) => order(a) - order(b) || services.indexOf(a.service) - services.indexOf(b.service));
  for (const r of sorted) {
    const check = r.stored === undefined ? '' :
      `${r.stored} / ${r.answered} ${storedMatches(r) ? 'ok' : 'FAIL'}${r.slack ? ` (slack ≤ ${r.slack})` : ' (exact)'}`;
    console.log(`| ${r.service} | ${r.point}${r.spread ? ` (${r.spread})` : ''} | ${r.connections} | ${r.items} | ${r.requestsPerSecond.toFixed(0)} | ${r.predictionsPerSecond.toFixed(0)} | ` +
      `${r.p50} | ${r.p99} | ${r.cpuPerRequest?.toFixed(0) ?? ''} | ${r.cpuPerItem?.toFixed(1) ?? ''} | ` +
      `${r.eventLoop ? `${r.eventLoop.max.toFixed(1)} / ${r.eventLoop.p99.toFixed(1)}` : ''} | ${r.failed} | ${check} |`);
  }
  const first = sorted.find((r) => r.point === '/predict');
  if (first && rows.filter((r) => r.point === '/predict').length > 1) {
    console.log('\n| build | /predict c=32 vs first build | CPU/request vs first build | fixed-amount batch predictions/s vs first build |');
    console.log('|---|---|---|---|');
    // Batches from the fixed-amount point: a timed point may end before a slow batch is answered.
    const BATCH = '/predict/batch (fixed amount)';
    const firstBatch = rows.find((r) => r.point === BATCH && r.service === first.service)!;
    const ratio = (a: number, b: number) => (a > 0 && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
    for (const r of sorted.filter((x) => x.point === '/predict')) {
      const b = rows.find((x) => x.point === BATCH && x.service === r.service)!;
      console.log(`| ${r.service} | ${ratio(r.requestsPerSecond, first.requestsPerSecond)} | ` +
        `${ratio(r.cpuPerRequest!, first.cpuPerRequest!)} | ${ratio(b.predictionsPerSecond, firstBatch.predictionsPerSecond)} |`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
