import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { countRows, Driver, TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn } from './support/test-settings';

function idempotencySuite(driver: Driver) {
  let api: TestApp;
  const booted = useTestApp(driver);
  beforeAll(() => (api = booted()));
  const body = { features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, explain: true };

  it('a retry with the same key returns the stored answer, marked as a replay, and stores nothing new', async () => {
    // Act
    const first = await request(api.url).post('/predict').set('Idempotency-Key', 'retry-key-1').send(body).expect(200);
    const retry = await request(api.url).post('/predict').set('Idempotency-Key', 'retry-key-1').send(body).expect(200);
    // Assert
    expect(first.headers).not.toHaveProperty('idempotent-replayed');
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 1, outputs: 1 });
  });

  it('the same key with other features is a 422 and stores nothing', async () => {
    await request(api.url).post('/predict').set('Idempotency-Key', 'retry-key-2').send(body).expect(200);
    const reused = await request(api.url)
      .post('/predict')
      .set('Idempotency-Key', 'retry-key-2')
      .send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE })
      .expect(422);
    expect(reused.body).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      detail: 'Idempotency-Key was already used for a prediction with different features; use a new key for a new request',
      request_id: expect.any(String),
    });
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 1, outputs: 1 });
  });

  it.each(['short', 'x'.repeat(129), 'has space', 'ünïcode-key', 'a#b#c#d#e'])('a malformed key (%p) is a 400 naming the header', async (key) => {
    const response = await request(api.url).post('/predict').set('Idempotency-Key', key).send(body).expect(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ feature: 'Idempotency-Key', constraint: 'idempotencyKey' })]);
    expect(response.body.detail).not.toContain(key);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 0, outputs: 0 });
  });

  it('a batch retried with the same key replays every item; items keep their own keys', async () => {
    // Arrange
    const items = [
      { features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY },
      { features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, idempotency_key: 'item-own-key' },
    ];
    const send = () => request(api.url).post('/predict/batch').set('Idempotency-Key', 'batch-key-1').send({ items }).expect(200);
    // Act
    const first = await send();
    const retry = await send();
    const single = await request(api.url)
      .post('/predict')
      .set('Idempotency-Key', 'item-own-key')
      .send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE })
      .expect(200);
    // Assert
    expect(first.body.results.map((r: { replayed?: boolean }) => r.replayed)).toEqual([undefined, undefined]);
    expect(first.body).toMatchObject({ stored: 2, replayed: 0, rejected: 0 });
    // A replayed item is counted apart: nothing new was stored for it
    expect(retry.body).toMatchObject({ stored: 0, replayed: 2, rejected: 0 });
    expect(retry.body.results.map((r: { replayed?: boolean }) => r.replayed)).toEqual([true, true]);
    expect(retry.body.results.map((r: { result: unknown }) => r.result)).toEqual(first.body.results.map((r: { result: unknown }) => r.result));
    expect(single.body.id).toBe(first.body.results[1].result.id);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 2, outputs: 2 });
  });

  it('counts a batch\'s new, replayed and rejected items apart', async () => {
    // Arrange: item 0 was sent alone before under its own key
    await request(api.url).post('/predict').set('Idempotency-Key', 'mixed-own-key').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }).expect(200);
    const items = [
      { features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, idempotency_key: 'mixed-own-key' },
      { features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE },
      { features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, age: 200 } },
    ];
    // Act
    const response = await request(api.url).post('/predict/batch').send({ items }).expect(200);
    // Assert
    expect(response.body).toMatchObject({ stored: 1, replayed: 1, rejected: 1 });
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 2, outputs: 2 });
  });

  it('the keys of CSV rows and of batch items are out of clients\' reach: K:1 and K:2 sent to /predict touch no row of a file sent with K', async () => {
    // Arrange: keys a client may send, shaped like the old row keys (<key>:<row>), holding other features
    const key = 'shared-file-key';
    await request(api.url).post('/predict').set('Idempotency-Key', `${key}:1`).send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }).expect(200);
    await request(api.url).post('/predict').set('Idempotency-Key', `${key}:2`).send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }).expect(200);
    // A batch with the same header key: its items are <key>#0, <key>#1
    await request(api.url).post('/predict/batch').set('Idempotency-Key', key).send({ items: [{ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }, { features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }] }).expect(200);
    const names = Object.keys(EXAMPLE_EMPLOYEE_LIKELY_TO_STAY);
    const row = names.map((n) => (EXAMPLE_EMPLOYEE_LIKELY_TO_STAY as unknown as Record<string, unknown>)[n]).join(',');
    const csv = `${names.join(',')}\n${row}\n${row}\n`;
    const sendCsv = () => request(api.url).post('/predict/csv').set('content-type', 'text/csv').set('Idempotency-Key', key).send(csv).expect(200);
    // Act
    const file = parse((await sendCsv()).text, { columns: true }) as Record<string, string>[];
    const again = parse((await sendCsv()).text, { columns: true }) as Record<string, string>[];
    // Assert: both rows stored anew (no 422, no replay of a client's answer), and replayed when the file is sent again
    expect(file.map((r) => r.error)).toEqual(['', '']);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 6, outputs: 6 });
    expect(again.map((r) => r.id)).toEqual(file.map((r) => r.id));
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 6, outputs: 6 });
    // A client cannot send a row's or an item's key itself, as a header or as an item's own key
    for (const taken of [`${key}#row:1`, `${key}#0`]) {
      await request(api.url).post('/predict').set('Idempotency-Key', taken).send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }).expect(400);
      const item = await request(api.url).post('/predict/batch').send({ items: [{ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, idempotency_key: taken }] }).expect(200);
      expect(item.body.results[0]).toMatchObject({ status: 400, error: { errors: [expect.objectContaining({ feature: 'idempotency_key' })] } });
    }
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 6, outputs: 6 });
  });

  it('a malformed item key rejects only that item', async () => {
    const response = await request(api.url)
      .post('/predict/batch')
      .send({ items: [{ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }, { features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, idempotency_key: 7 }] })
      .expect(200);
    expect(response.body.results.map((r: { status: number }) => r.status)).toEqual([200, 400]);
    expect(response.body.results[1].error.errors).toEqual([expect.objectContaining({ feature: 'idempotency_key' })]);
  });
}

describeWithPostgres('idempotent retries on PostgreSQL', () => idempotencySuite('postgres'));
describeOn('sqlite')('idempotent retries on the embedded SQLite database', () => idempotencySuite('sqlite'));
