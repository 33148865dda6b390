import { get } from 'node:http';
import request from 'supertest';
import { PredictionLogRepository } from '@app/persistence';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, FEATURE_NAMES } from '@app/validation';
import { countRows, Driver, TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn, itIf, TEST_SETTINGS } from './support/test-settings';
import { loadContract } from './fixtures/artifacts';

const contract = loadContract();

function ledgerSuite(driver: Driver) {
  let api: TestApp;
  // The volume tests seed 100,000 rows in one statement: longer than the default statement timeout on a loaded machine.
  const booted = useTestApp(driver, { env: { DATABASE_STATEMENT_TIMEOUT_MS: '120000' } });
  beforeAll(() => (api = booted()));

  const predict = (features: object = EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, explain?: boolean) =>
    request(api.url).post('/predict').send({ features, explain }).expect(200).then((r) => r.body);
  const list = (query: Record<string, string | number> = {}) => request(api.url).get('/predictions').query(query);

  /** Inserts `n` stored predictions straight into the database, for volume tests. */
  async function insertMany(n: number, modelVersion = contract.model.version) {
    const features = JSON.stringify(EXAMPLE_EMPLOYEE_LIKELY_TO_STAY);
    if (driver === 'postgres') {
      await api.dataSource.query(
        `WITH i AS (INSERT INTO model_inputs (features) SELECT $1::jsonb FROM generate_series(1, $2) RETURNING id)
         INSERT INTO model_outputs (input_id, prediction, probability, threshold, model_version)
         SELECT id, (id % 2), (id % 100) / 100.0, 0.32, $3 FROM i`,
        [features, n, modelVersion],
      );
    } else {
      await api.dataSource.query(
        `WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < ?) INSERT INTO model_inputs (features) SELECT ? FROM s`,
        [n, features],
      );
      await api.dataSource.query(
        `INSERT INTO model_outputs (input_id, prediction, probability, threshold, model_version)
         SELECT id, (id % 2), (id % 100) / 100.0, 0.32, ? FROM model_inputs WHERE id NOT IN (SELECT input_id FROM model_outputs)`,
        [modelVersion],
      );
    }
  }

  it('lists stored predictions newest first, with the stored features', async () => {
    const first = await predict(EXAMPLE_EMPLOYEE_LIKELY_TO_STAY);
    const second = await predict(EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE);
    const { body } = await list().expect(200);
    expect(body.next_cursor).toBeNull();
    expect(body.items.map((i: { id: number }) => i.id)).toEqual([second.id, first.id]);
    expect(body.items[0]).toEqual({
      id: second.id,
      input_id: second.input_id,
      features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE,
      prediction: 1,
      probability: second.probability,
      threshold: contract.threshold,
      model_version: contract.model.version,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      outcome: null,
    });
  });

  it('pages without duplicates or gaps while new predictions arrive', async () => {
    // Arrange
    await insertMany(120);
    const { body: all } = await list({ limit: 500 }).expect(200);
    const existing = all.items.map((i: { id: number }) => i.id);
    // Act: walk pages of 50, inserting between pages
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string | number> = { limit: 50, ...(cursor ? { cursor } : {}) };
      const { body } = await list(query).expect(200);
      seen.push(...body.items.map((i: { id: number }) => i.id));
      cursor = body.next_cursor;
      await predict();
    } while (cursor);
    // Assert
    expect(seen).toEqual(existing);
    expect(new Set(seen).size).toBe(120);
  });

  it('filters by prediction, minimum probability, model version and date window', async () => {
    await insertMany(40);
    await insertMany(10, '0.9.0');
    const byPrediction = (await list({ prediction: 1, limit: 500 }).expect(200)).body.items;
    expect(byPrediction.length).toBeGreaterThan(0);
    expect(byPrediction.every((i: { prediction: number }) => i.prediction === 1)).toBe(true);
    const byProbability = (await list({ min_probability: 0.5, limit: 500 }).expect(200)).body.items;
    const [{ n: expected }] = await api.dataSource.query('SELECT COUNT(*) AS n FROM model_outputs WHERE probability >= 0.5');
    expect(byProbability).toHaveLength(Number(expected));
    expect(byProbability.every((i: { probability: number }) => i.probability >= 0.5)).toBe(true);
    const byVersion = (await list({ model_version: '0.9.0', limit: 500 }).expect(200)).body.items;
    expect(byVersion).toHaveLength(10);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect((await list({ from: future }).expect(200)).body.items).toHaveLength(0);
    expect((await list({ to: past }).expect(200)).body.items).toHaveLength(0);
    expect((await list({ from: past, to: future, limit: 500 }).expect(200)).body.items).toHaveLength(50);
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 501 }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ cursor: '-3' }, 'cursor'],
    [{ prediction: 2 }, 'prediction'],
    [{ from: 'yesterday' }, 'from'],
    [{ to: '2026-13-45' }, 'to'],
    [{ min_probability: 1.5 }, 'min_probability'],
  ])('rejects the query %p with 400 naming %s', async (query, name) => {
    const { body } = await list(query).expect(400);
    expect(body.errors).toEqual([expect.objectContaining({ feature: name })]);
    expect(body.detail).toContain(name);
  });

  it('shows one prediction with the explanation stored with it; 404 when absent; 400 for a bad id', async () => {
    const made = await predict(EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, true);
    expect(made.explanation.raising.length).toBeGreaterThan(0);
    const { body } = await request(api.url).get(`/predictions/${made.id}`).expect(200);
    expect(body).toMatchObject({ id: made.id, input_id: made.input_id, prediction: 1, features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE });
    expect(body.explanation).toEqual(made.explanation);
    for (const c of [...body.explanation.raising, ...body.explanation.lowering]) {
      // Raw features show the value sent; derived ones (computed inside the model) have none.
      const sent = (EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE as unknown as Record<string, unknown>)[c.feature];
      expect(c.value).toBe(sent === undefined ? null : sent);
    }
    const missing = await request(api.url).get(`/predictions/${made.id + 1000}`).expect(404);
    expect(missing.body).toEqual({ statusCode: 404, error: 'Not Found', detail: `No prediction with id ${made.id + 1000}`, request_id: expect.any(String) });
    const bad = await request(api.url).get('/predictions/abc').expect(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ feature: 'id' })]);
  });

  it('explanations reproduce the log-odds: baseline + sum of stored contributions', async () => {
    const made = await predict(EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE);
    const [row] = await api.dataSource.query(`SELECT contributions FROM model_outputs WHERE id = ${made.id}`);
    const stored = typeof row.contributions === 'string' ? JSON.parse(row.contributions) : row.contributions;
    expect(Object.keys(stored).sort()).toEqual([...contract.contributions.names].sort());
    const logOdds = contract.contributions.baseline_log_odds + Object.values<number>(stored).reduce((a, b) => a + b, 0);
    expect(1 / (1 + Math.exp(-logOdds))).toBeCloseTo(made.probability, 12);
  });

  it("erases an input and, by the database's cascade, all its outputs", async () => {
    const erased = await predict();
    const kept = await predict();
    await request(api.url).delete(`/inputs/${erased.input_id}`).expect(204);
    await request(api.url).get(`/predictions/${erased.id}`).expect(404);
    await request(api.url).get(`/predictions/${kept.id}`).expect(200);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 1, outputs: 1 });
    const [{ n }] = await api.dataSource.query(
      'SELECT COUNT(*) AS n FROM model_outputs o LEFT JOIN model_inputs i ON i.id = o.input_id WHERE i.id IS NULL',
    );
    expect(Number(n)).toBe(0);
    const again = await request(api.url).delete(`/inputs/${erased.input_id}`).expect(404);
    expect(again.body.detail).toBe(`No input with id ${erased.input_id}`);
    await request(api.url).delete('/inputs/0').expect(400);
  });

  it('exports matching predictions as CSV, one column per feature', async () => {
    const made = await predict(EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE);
    await predict(EXAMPLE_EMPLOYEE_LIKELY_TO_STAY);
    const res = await request(api.url).get('/predictions/export.csv').query({ prediction: 1 }).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = res.text.trim().split('\n');
    expect(lines[0]).toBe(['id', 'input_id', 'created_at', 'model_version', 'prediction', 'probability', 'threshold', 'left', 'observed_at', ...FEATURE_NAMES].join(','));
    expect(lines).toHaveLength(2);
    expect(lines[1].startsWith(`${made.id},${made.input_id},`)).toBe(true);
    expect(lines[1]).toContain(',Divorcé(e),');
  });

  itIf(TEST_SETTINGS.volume, 'TEST_VOLUME=off')(`streams ${TEST_SETTINGS.exportRows} rows in constant-size batches`, async () => {
    // Arrange: 100,000 rows (TEST_EXPORT_ROWS)
    const total = TEST_SETTINGS.exportRows;
    await insertMany(total);
    const repository = api.app.get(PredictionLogRepository);
    const listSpy = jest.spyOn(repository, 'list');
    // Act: read the body as a stream, counting lines, never holding it whole
    const { lines, headers } = await new Promise<{ lines: number; headers: Record<string, unknown> }>((resolve, reject) => {
      get(`${api.url}/predictions/export.csv`, (res) => {
        let count = 0;
        res.on('data', (chunk: Buffer) => {
          for (const byte of chunk) if (byte === 10) count++;
        });
        res.on('end', () => resolve({ lines: count, headers: res.headers }));
        res.on('error', reject);
      }).on('error', reject);
    });
    // Assert
    expect(lines).toBe(total + 1);
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(listSpy.mock.calls.length).toBeGreaterThanOrEqual(total / 1000);
    expect(Math.max(...listSpy.mock.calls.map(([q]) => q.limit))).toBeLessThanOrEqual(1000);
    listSpy.mockRestore();
  }, 120_000);

  it('serves the model card data at GET /model and GET /version', async () => {
    const model = await request(api.url).get('/model').expect(200);
    expect(model.body.model).toEqual(contract.model);
    expect(model.body.threshold).toBe(contract.threshold);
    expect(model.body.metrics.roc_auc).toEqual(contract.metrics.roc_auc);
    expect(model.body.features).toEqual(contract.features);
    await request(api.url).get('/version').expect(200, model.body);
  });
}

describeWithPostgres('history, erasure and model information on PostgreSQL', () => ledgerSuite('postgres'));
describeOn('sqlite')('history, erasure and model information on the embedded SQLite database', () => ledgerSuite('sqlite'));
