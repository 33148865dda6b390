import request from 'supertest';
import { countRows, Driver, TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn } from './support/test-settings';
import { loadParity, loadTrainingRows } from './fixtures/artifacts';

function batchSuite(driver: Driver) {
  let api: TestApp;
  const booted = useTestApp(driver);
  beforeAll(() => (api = booted()));
  const training = loadTrainingRows();

  const batch = (items: unknown) => request(api.url).post('/predict/batch').send({ items });

  it('scores and stores 1,000 items, answering invalid ones by index with the /predict error body', async () => {
    // Arrange: 997 real employees and 3 invalid items at known positions
    const items: unknown[] = training.slice(0, 997).map((features) => ({ features }));
    items.splice(10, 0, { features: { ...training[0], age: 'old' } });
    items.splice(500, 0, { nope: true });
    items.push({ features: { ...training[1], annees_dans_l_entreprise: 99 } });
    // Act
    const { body } = await batch(items).expect(200);
    // Assert
    expect(body.stored).toBe(997);
    expect(body.rejected).toBe(3);
    expect(body.results).toHaveLength(1000);
    expect(body.results.filter((r: { status: number }) => r.status === 400).map((r: { index: number }) => r.index)).toEqual([10, 500, 999]);
    expect(body.results[10].error).toMatchObject({ statusCode: 400, error: 'Bad Request', errors: [expect.objectContaining({ feature: 'age' })] });
    expect(body.results[500].error.detail).toContain('features');
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 997, outputs: 997 });
    const ids = body.results.filter((r: { status: number }) => r.status === 200).map((r: { result: { id: number } }) => r.result.id);
    expect(new Set(ids).size).toBe(997);
  });

  it('gives each item the probability it gets alone (scikit-learn parity)', async () => {
    const parity = loadParity().rows;
    const { body } = await batch(parity.map((r) => ({ features: r.features }))).expect(200);
    const worst = Math.max(...parity.map((r, i) => Math.abs(body.results[i].result.probability - r.probability)));
    expect(worst).toBeLessThan(1e-9);
    // Each stored row holds the features of its own item
    const [row] = await api.dataSource.query(`SELECT features FROM model_inputs WHERE id = ${body.results[123].result.input_id}`);
    const stored = typeof row.features === 'string' ? JSON.parse(row.features) : row.features;
    expect(stored).toEqual(parity[123].features);
  });

  it('refuses more than 1,000 items with 413 naming the limit, storing nothing', async () => {
    const items = training.slice(0, 1001).map((features) => ({ features }));
    const { body } = await batch(items).expect(413);
    expect(body.detail).toBe('A batch may hold at most 1000 items; this one has 1001');
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 0, outputs: 0 });
  });

  it('refuses a body over BATCH_BODY_LIMIT (2mb) with 413 naming the byte limit', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({ features: training[i % training.length] }));
    const { body } = await batch(items).expect(413);
    expect(body.detail).toBe('Request body exceeds the limit of 2097152 bytes');
  });

  it('names malformed JSON in a batch body', async () => {
    const { body } = await request(api.url).post('/predict/batch').set('content-type', 'application/json').send('{"items": [').expect(400);
    expect(body.detail).toMatch(/^Malformed JSON body/);
  });

  it.each([
    ['missing items', undefined],
    ['items not an array', { features: {} }],
    ['empty items', []],
  ])('400 for %s', async (_, items) => {
    const { body } = await batch(items).expect(400);
    expect(body.errors).toEqual([expect.objectContaining({ feature: 'items' })]);
  });
}

describeWithPostgres('POST /predict/batch on PostgreSQL', () => batchSuite('postgres'));
describeOn('sqlite')('POST /predict/batch on the embedded SQLite database', () => batchSuite('sqlite'));
