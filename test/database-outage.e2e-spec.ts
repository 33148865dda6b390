import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { bootApp, countRows, TestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { createTestDatabase, TestDatabase } from './support/postgres';
import { proxyTo, TcpProxy } from './support/tcp-proxy';

describeWithPostgres('PostgreSQL outage', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let api: TestApp;
  const body = { features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY };

  beforeAll(async () => {
    database = await createTestDatabase();
    let url: string;
    ({ proxy, url } = await proxyTo(database.url));
    api = await bootApp({ DATABASE_URL: url, DATABASE_CONNECT_TIMEOUT_MS: '1000' });
  });

  afterAll(async () => {
    await api?.close();
    await proxy?.stop();
    await database?.drop();
  });

  it('answers 503 with Retry-After while the database is unreachable, then recovers by itself', async () => {
    // Arrange
    await request(api.url).post('/predict').send(body).expect(200);
    // Act: the database disappears
    await proxy.stop();
    const during = await Promise.all([1, 2, 3].map(() => request(api.url).post('/predict').send(body)));
    const ready = await request(api.url).get('/health/ready');
    // Assert
    for (const response of during) {
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        detail: 'The database is unavailable; nothing was stored. Retry later.',
        request_id: expect.any(String),
      });
    }
    expect(ready.status).toBe(503);
    expect(ready.body.error).toHaveProperty('database');
    await request(api.url).get('/health').expect(200);

    // Act: the database comes back
    await proxy.start();
    await request(api.url).post('/predict').send(body).expect(200);
    await request(api.url).get('/health/ready').expect(200);
    // Only the two answered 200 were stored
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 2, outputs: 2 });
  });

  it('answers /predict/batch and the CSV export with 503 and Retry-After, not 500 or a truncated 200', async () => {
    // Arrange
    await request(api.url).post('/predict').send(body).expect(200);
    await proxy.stop();
    try {
      // Act
      const batch = await request(api.url).post('/predict/batch').send({ items: [body, body] });
      // A 200 whose body never ends would hang here: the deadline turns it into a failure.
      const csv = await request(api.url).get('/predictions/export.csv').timeout({ deadline: 20_000 });

      // Assert
      for (const response of [batch, csv]) {
        expect(response.status).toBe(503);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      }
    } finally {
      await proxy.start();
    }
  });
});
