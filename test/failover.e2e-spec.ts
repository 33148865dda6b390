import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { Client } from 'pg';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { ChildApp, describeBuiltApp, childrenOf, Outcome, send, sleep, startBuiltApp } from './support/child-app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { createPrivatePostgres, PrivatePostgres } from './support/private-postgres';

const CONNECTIONS = 32;
const TERMINATIONS = 5;
const BETWEEN_FAULTS_MS = 1000;
/** Readiness must be back this soon after PostgreSQL accepts connections again. */
const READY_WITHIN_MS = 2000;
const body = { features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY };

const NOT_STORED = 'The database is unavailable; nothing was stored. Retry later.';
const UNKNOWN = /^The database did not confirm the write in time: it may or may not have been stored/;

/** The `detail` of an answered error, or undefined. */
function detailOf(outcome: Outcome): string | undefined {
  if (outcome.kind !== 'answered' || outcome.status < 400) return undefined;
  try {
    return (JSON.parse(outcome.body) as { detail?: string }).detail;
  } catch {
    return undefined;
  }
}

interface Sent {
  key: string;
  outcome: Outcome;
}

interface Trial {
  sent: Sent[];
  terminated: number[];
  /** From `pg_ctl start` returning (accepting connections) to the first 200 of /health/ready. */
  readyAfterMs: number;
  /** /health/live probes that got no 200 (the process must answer throughout). */
  liveFailures: Outcome[];
  died: boolean;
}

/**
 * 32 keep-alive clients post /predict in a loop, each request with its own Idempotency-Key, while
 * PostgreSQL ends every session of the database five times, then stops immediately (a crash) and
 * starts again; a probe asks /health/live every 100 ms throughout.
 */
async function failoverUnderLoad(app: ChildApp, postgres: PrivatePostgres): Promise<Trial> {
  const sent: Sent[] = [];
  const liveFailures: Outcome[] = [];
  let died = false;
  void app.exited.then(() => (died = true));
  let loading = true;
  const loop = async (work: (agent: Agent) => Promise<void>, pause = 0) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (loading && !died) {
        await work(agent);
        if (pause) await sleep(pause);
      }
    } finally {
      agent.destroy();
    }
  };
  const clients = Array.from({ length: CONNECTIONS }, () =>
    loop(async (agent) => {
      const key = randomUUID();
      sent.push({ key, outcome: await send(agent, app.port, 'POST', '/predict', body, { 'Idempotency-Key': key }) });
    }),
  );
  const probe = loop(async (agent) => {
    const outcome = await send(agent, app.port, 'GET', '/health/live');
    if (outcome.kind !== 'answered' || outcome.status !== 200) liveFailures.push(outcome);
  }, 100);

  const terminated: number[] = [];
  for (let i = 0; i < TERMINATIONS; i++) {
    await sleep(BETWEEN_FAULTS_MS);
    terminated.push(await postgres.terminateSessions());
  }
  await sleep(BETWEEN_FAULTS_MS);
  await postgres.stop('immediate');
  await sleep(BETWEEN_FAULTS_MS);
  await postgres.start();
  const accepting = Date.now();
  const readinessAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  let readyAfterMs = Number.POSITIVE_INFINITY;
  while (Date.now() - accepting < 10_000) {
    const outcome = await send(readinessAgent, app.port, 'GET', '/health/ready');
    if (outcome.kind === 'answered' && outcome.status === 200) {
      readyAfterMs = Date.now() - accepting;
      break;
    }
    await sleep(25);
  }
  readinessAgent.destroy();
  await sleep(BETWEEN_FAULTS_MS);
  loading = false;
  await Promise.all([...clients, probe]);
  return { sent, terminated, readyAfterMs, liveFailures, died };
}

/** The figures docs/RELIABILITY.md quotes: answers by kind, sessions ended, time to ready. */
function summary(trial: Trial): string {
  const kinds = new Map<string, number>();
  for (const { outcome } of trial.sent) {
    const detail = detailOf(outcome);
    const kind =
      outcome.kind !== 'answered' ? outcome.kind : detail === NOT_STORED ? '503 not stored' : UNKNOWN.test(detail ?? '') ? '503 unknown' : String(outcome.status);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const answers = [...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ');
  return `${trial.sent.length} requests (${answers}); sessions ended ${trial.terminated.join('/')}; ready ${trial.readyAfterMs} ms after PostgreSQL accepted connections`;
}

interface StoredRow {
  idempotency_key: string;
  id: number;
  input_id: number;
}

async function storedRows(url: string): Promise<{ rows: StoredRow[]; orphanInputs: number }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<StoredRow>(
      'SELECT i.idempotency_key, o.id, o.input_id FROM model_inputs i JOIN model_outputs o ON o.input_id = i.id',
    );
    const orphans = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM model_inputs i WHERE NOT EXISTS (SELECT 1 FROM model_outputs o WHERE o.input_id = i.id)',
    );
    return { rows, orphanInputs: Number(orphans.rows[0].n) };
  } finally {
    await client.end();
  }
}

describeBuiltApp(describeWithPostgres)('PostgreSQL ends the sessions under load (failover, switchover, pg_terminate_backend, crash)', () => {

  describe.each([1, 2])('WORKERS=%i', (workers) => {
    let postgres: PrivatePostgres;
    let app: ChildApp;
    let trial: Trial;
    let workerPids: number[];

    beforeAll(async () => {
      postgres = await createPrivatePostgres();
      app = await startBuiltApp({ DATABASE_URL: postgres.url, WORKERS: String(workers) });
      await app.listening(workers);
      workerPids = workers > 1 ? childrenOf(app.pid) : [];
      trial = await failoverUnderLoad(app, postgres);
      process.stdout.write(`\nFailover, WORKERS=${workers}: ${summary(trial)}\n`);
    }, 120_000);

    afterAll(async () => {
      app?.kill();
      await postgres?.destroy();
    });

    it('stays alive throughout: no process or worker exits, /health/live always answers 200', () => {
      expect(trial.terminated.every((n) => n > 0)).toBe(true);
      expect(trial.died).toBe(false);
      expect(app.output()).not.toMatch(/Unhandled 'error' event|uncaughtException|worker \d+ (died|exited)/i);
      if (workers > 1) expect(childrenOf(app.pid)).toEqual(workerPids);
      expect(trial.liveFailures).toEqual([]);
    });

    it('answers every request: 200, or 503 with Retry-After saying whether anything was stored; no reset, no 500', () => {
      const answered = trial.sent.map((s) => s.outcome);
      const unexpected = answered.filter(
        (o) =>
          o.kind !== 'answered' ||
          !(o.status === 200 || (o.status === 503 && o.retryAfter === '5' && (detailOf(o) === NOT_STORED || UNKNOWN.test(detailOf(o) ?? '')))),
      );
      expect(unexpected.slice(0, 5)).toEqual([]);
      const statuses = answered.map((o) => (o.kind === 'answered' ? o.status : 0));
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(100);
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    });

    it('stores every 200 and nothing else but what a 503 called unknown', async () => {
      const { rows, orphanInputs } = await storedRows(postgres.url);
      const byKey = new Map(rows.map((row) => [row.idempotency_key, row]));
      const ok = trial.sent.filter((s) => s.outcome.kind === 'answered' && s.outcome.status === 200);
      const missing = ok.filter((s) => {
        const answer = JSON.parse((s.outcome as { body: string }).body) as { id: number; input_id: number };
        const row = byKey.get(s.key);
        return !row || row.id !== answer.id || row.input_id !== answer.input_id;
      });
      expect(missing).toEqual([]);
      const mayBeStored = new Set(
        trial.sent
          .filter((s) => (s.outcome.kind === 'answered' && s.outcome.status === 200) || UNKNOWN.test(detailOf(s.outcome) ?? ''))
          .map((s) => s.key),
      );
      expect(rows.filter((row) => !mayBeStored.has(row.idempotency_key))).toEqual([]);
      expect(orphanInputs).toBe(0);
      process.stdout.write(`\nFailover, WORKERS=${workers}: ${rows.length} rows checked (${ok.length} answered 200, ${rows.length - ok.length} of ${mayBeStored.size - ok.length} "unknown" committed)\n`);
    });

    it(`is ready again within ${READY_WITHIN_MS} ms of PostgreSQL accepting connections after an immediate stop`, () => {
      expect(trial.readyAfterMs).toBeLessThanOrEqual(READY_WITHIN_MS);
    });
  });
});
