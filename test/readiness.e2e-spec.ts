import { Client } from 'pg';
import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { ADMIN_URL } from './support/postgres';

describeWithPostgres('readiness when PostgreSQL answers but refuses writes', () => {
  let api: TestApp;
  const booted = useTestApp('postgres', { truncate: false });
  beforeAll(() => (api = booted()));
  const body = { features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY };

  /** Makes the service's database read-only (or writable again) and drops its sessions, which reconnect with the setting. */
  async function setReadOnly(on: boolean): Promise<void> {
    const db = api.dataSource.driver.database!;
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${db} SET default_transaction_read_only = ${on ? 'on' : 'off'}`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [db]);
    } finally {
      await admin.end();
    }
  }

  it('is down while writes are refused, with the reason, and up again once a write succeeds', async () => {
    // Arrange
    await request(api.url).post('/predict').send(body).expect(200);
    await request(api.url).get('/health/ready').expect(200);
    // Act: the database turns read-only (a standby, or an operator's emergency measure)
    await setReadOnly(true);
    const refused: number[] = [];
    for (let i = 0; i < 3; i++) refused.push((await request(api.url).post('/predict').send(body)).status);
    const ready = await request(api.url).get('/health/ready');
    // Assert: writes answer 503 (never 500), and readiness says why
    expect(refused).toEqual([503, 503, 503]);
    expect(ready.status).toBe(503);
    expect(ready.body.error).toEqual({ database_writes: { status: 'down', reason: expect.stringMatching(/code 25006|read-only/) } });
    expect(ready.body.info).toHaveProperty('database');
    // Act: writable again
    await setReadOnly(false);
    let status = 0;
    for (let i = 0; i < 5 && status !== 200; i++) status = (await request(api.url).post('/predict').send(body)).status;
    // Assert
    expect(status).toBe(200);
    await request(api.url).get('/health/ready').expect(200);
  });
});
