import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { bootApp, TestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { createTestDatabase, TestDatabase } from './support/postgres';
import { proxyTo, TcpProxy } from './support/tcp-proxy';
import { loadTrainingRows } from './fixtures/artifacts';

const CONNECT_TIMEOUT_MS = 1000;
const STATEMENT_TIMEOUT_MS = 1500;
/** The promise under test: every request is answered within the database timeouts plus one second. */
const ANSWER_BOUND_MS = CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS + 1000;
const CLIENTS = 12;
const NOT_STORED = 'The database is unavailable; nothing was stored. Retry later.';
const UNKNOWN = /^The database did not confirm the write in time: it may or may not have been stored\. Retry with the same Idempotency-Key/;

const training = loadTrainingRows();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Exchange {
  key: string;
  features: Record<string, unknown>;
  status: number;
  body: { id?: number; input_id?: number; detail?: string };
  retryAfter: string | null;
  ms: number;
}

describeWithPostgres('a silent network cut between the service and PostgreSQL, under load', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let api: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    let url: string;
    ({ proxy, url } = await proxyTo(database.url));
    api = await bootApp({
      DATABASE_URL: url,
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      DATABASE_POOL_SIZE: '4',
    });
  });

  afterAll(async () => {
    proxy?.release();
    await api?.close();
    await proxy?.stop();
    await database?.drop();
  });

  async function predict(key: string, features: Record<string, unknown>): Promise<Exchange> {
    const started = performance.now();
    const response = await fetch(`${api.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ features }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as Exchange['body'];
    return { key, features, status: response.status, body, retryAfter: response.headers.get('retry-after'), ms: performance.now() - started };
  }

  async function storedByKey(): Promise<Map<string, { input_id: number; output_id: number }[]>> {
    const rows: { key: string; input_id: number; output_id: number }[] = await api.dataSource.query(
      'SELECT i.idempotency_key AS key, i.id AS input_id, o.id AS output_id FROM model_inputs i JOIN model_outputs o ON o.input_id = i.id',
    );
    const byKey = new Map<string, { input_id: number; output_id: number }[]>();
    for (const { key, input_id, output_id } of rows) byKey.set(key, [...(byKey.get(key) ?? []), { input_id, output_id }]);
    return byKey;
  }

  it('answers every request in bounded time, and every 200, 503 and retry tells the truth', async () => {
    // Act: clients loop while the link is cut silently both ways (nothing arrives), then only the
    // replies are cut (statements arrive and commit, their answers are lost), then it heals.
    const exchanges: Exchange[] = [];
    let running = true;
    const clients = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; running; i++) {
        const features = { ...training[(c * 97 + i) % training.length] };
        exchanges.push(await predict(`silent-cut-${c}-${i}`, features));
      }
    });
    await sleep(1000);
    proxy.hold();
    await sleep(4000);
    proxy.release();
    await sleep(1000);
    proxy.hold(['replies']);
    await sleep(4000);
    proxy.release();
    await sleep(1000);
    running = false;
    await Promise.all(clients);
    await sleep(500); // statements held in the network reach the database

    // Assert: bounded answers, 200 or 503 with Retry-After and a truthful detail
    const longest = Math.max(...exchanges.map((e) => e.ms));
    const ok = exchanges.filter((e) => e.status === 200);
    const notStored = exchanges.filter((e) => e.status === 503 && e.body.detail === NOT_STORED);
    const unknown = exchanges.filter((e) => e.status === 503 && UNKNOWN.test(e.body.detail ?? ''));
    expect(exchanges.filter((e) => e.status !== 200 && e.status !== 503).map((e) => e.status)).toEqual([]);
    expect(ok.length + notStored.length + unknown.length).toBe(exchanges.length);
    expect(exchanges.filter((e) => e.status === 503 && e.retryAfter !== '5')).toEqual([]);
    expect(longest).toBeLessThan(ANSWER_BOUND_MS);
    // the cuts did happen, and both kinds of 503 were seen
    expect(notStored.length).toBeGreaterThan(0);
    expect(unknown.length).toBeGreaterThan(0);

    // Every 200 has its rows; a "nothing was stored" left nothing; no row exists without a 200 or an unknown outcome.
    const stored = await storedByKey();
    for (const e of ok) expect(stored.get(e.key)).toEqual([{ input_id: e.body.input_id, output_id: e.body.id }]);
    expect(notStored.filter((e) => stored.has(e.key)).map((e) => e.key)).toEqual([]);
    const answerable = new Set([...ok, ...unknown].map((e) => e.key));
    expect([...stored.keys()].filter((key) => !answerable.has(key))).toEqual([]);

    // Each unknown outcome, retried with its key, returns the stored answer or stores it exactly once.
    const retries = await Promise.all(unknown.map((e) => predict(e.key, e.features)));
    const after = await storedByKey();
    retries.forEach((retry, i) => {
      const before = stored.get(unknown[i].key);
      expect(retry.status).toBe(200);
      expect(after.get(retry.key)).toEqual([{ input_id: retry.body.input_id, output_id: retry.body.id }]);
      if (before) expect(before).toEqual(after.get(retry.key));
    });
    const rowsChecked = [...after.values()].reduce((n, rows) => n + rows.length, 0);
    expect(rowsChecked).toBe(ok.length + unknown.length);

    // And the service goes on.
    await expect(predict('after-the-cut', { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY })).resolves.toMatchObject({ status: 200 });
    console.info(
      `silent cut: ${exchanges.length} requests, ${ok.length} × 200, ${notStored.length} × 503 nothing stored, ` +
        `${unknown.length} × 503 outcome unknown (${unknown.filter((e) => stored.has(e.key)).length} of them stored, ` +
        `all retried: 200), ${rowsChecked} rows checked, longest request ${longest.toFixed(0)} ms (bound ${ANSWER_BOUND_MS} ms)`,
    );
  });
});
