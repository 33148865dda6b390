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
    expect(retry.body).toMatchObject({ stored: 2, rejected: 0 });
    expect(retry.body.results.map((r: { replayed?: boolean }) => r.replayed)).toEqual([true, true]);
    expect(retry.body.results.map((r: { result: unknown }) => r.result)).toEqual(first.body.results.map((r: { result: unknown }) => r.result));
    expect(single.body.id).toBe(first.body.results[1].result.id);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 2, outputs: 2 });
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
