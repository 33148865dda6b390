import { connect, Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { createClient } from 'redis';
import request from 'supertest';
import { RetentionService } from '@app/persistence';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { bootApp, countRows, databaseFor, Driver, TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn } from './support/test-settings';

const features = EXAMPLE_EMPLOYEE_LIKELY_TO_STAY;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREDICT_KEY = 'predict-key-0123456789abcd';

describe('rate limits (defect 8)', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', { env: { RATE_LIMIT_PREDICT: '5', RATE_LIMIT_BATCH: '2', RATE_LIMIT_WINDOW_MS: '60000', PREDICT_API_KEYS: PREDICT_KEY } });
  beforeAll(() => (api = booted()));

  it('answers 429 with Retry-After and the standard RateLimit headers past the limit, storing nothing more', async () => {
    for (let i = 0; i < 5; i++) {
      const ok = await request(api.url).post('/predict').set('X-API-Key', PREDICT_KEY).send({ features }).expect(200);
      expect(ok.headers['ratelimit-policy']).toMatch(/q=5; w=60/);
      expect(ok.headers['ratelimit']).toMatch(new RegExp(`r=${4 - i}`));
    }
    const refused = await request(api.url).post('/predict').set('X-API-Key', PREDICT_KEY).send({ features }).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toEqual({ statusCode: 429, error: 'Too Many Requests', detail: expect.stringContaining('at most 5 per 60 s'), request_id: expect.any(String) });
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 5, outputs: 5 });
  });

  it('counts batches apart from single predictions', async () => {
    await request(api.url).post('/predict/batch').set('X-API-Key', PREDICT_KEY).send({ items: [{ features }] }).expect(200);
    await request(api.url).post('/predict/batch').set('X-API-Key', PREDICT_KEY).send({ items: [{ features }] }).expect(200);
    await request(api.url).post('/predict/batch').set('X-API-Key', PREDICT_KEY).send({ items: [{ features }] }).expect(429);
  });

  it('requires a prediction key when PREDICT_API_KEYS is set (401 before any work)', async () => {
    const { body } = await request(api.url).post('/predict').send({ features }).expect(401);
    expect(body.detail).toContain('prediction API key');
  });
});

describe('rate limits shared through Redis (REDIS_URL)', () => {
  const prefix = `attrition:rate:`;
  let apps: TestApp[] = [];
  let redisUp = false;

  beforeAll(async () => {
    const client = createClient({ url: REDIS_URL });
    client.on('error', () => undefined);
    redisUp = await client.connect().then(() => true, () => false);
    if (redisUp) {
      for (const key of await client.keys(`${prefix}*`)) await client.del(key);
      await client.quit();
    } else if (process.env.CI === 'true') {
      throw new Error(`Redis is not reachable at ${REDIS_URL}: CI=true, so the shared rate-limit test must run`);
    }
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('two processes of the service share one budget per client', async () => {
    if (!redisUp) return console.warn(`Redis not reachable at ${REDIS_URL}: shared rate limits not tested`);
    const databases = [await databaseFor('sqlite'), await databaseFor('sqlite')];
    const env = { RATE_LIMIT_PREDICT: '4', RATE_LIMIT_WINDOW_MS: '60000', REDIS_URL };
    apps = [await bootApp({ ...databases[0].env, ...env }), await bootApp({ ...databases[1].env, ...env })];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { status } = await request(apps[i % 2].url).post('/predict').send({ features });
      statuses.push(status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    for (const db of databases) await db.drop();
  });
});

describe('slow and idle clients (defect 9)', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', { env: { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '500' } });
  beforeAll(() => (api = booted()));

  /** Opens a socket and resolves with what the server said and when it closed the connection. */
  function dribble(write: (socket: Socket) => void): Promise<{ closedAfterMs: number; answer: string }> {
    const { hostname, port } = new URL(api.url);
    return new Promise((resolve) => {
      const started = Date.now();
      let answer = '';
      const socket = connect(Number(port), hostname, () => write(socket));
      socket.on('data', (d) => (answer += d.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ closedAfterMs: Date.now() - started, answer }));
    });
  }

  it('closes a connection whose headers dribble in past the headers timeout', async () => {
    const { closedAfterMs, answer } = await dribble((socket) => {
      socket.write('POST /predict HTTP/1.1\r\nHost: x\r\n');
      const timer = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
      socket.on('close', () => clearInterval(timer));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    // Node's default would hold it for 60 s; the bound is 1 s, checked every second.
    expect(closedAfterMs).toBeLessThan(15_000);
  });

  it('closes a connection whose body dribbles in past the request timeout', async () => {
    const { closedAfterMs, answer } = await dribble((socket) => {
      socket.write('POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
      const timer = setInterval(() => socket.writable && socket.write(' '), 200);
      socket.on('close', () => clearInterval(timer));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(15_000);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { closedAfterMs, answer } = await dribble((socket) => socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(closedAfterMs).toBeLessThan(10_000);
  });
});

describe('security headers (defect 10)', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite');
  beforeAll(() => (api = booted()));

  it('sends nosniff, no-store, frame and content-security policies on API answers and errors', async () => {
    for (const answer of [
      await request(api.url).post('/predict').send({ features }).expect(200),
      await request(api.url).get('/predictions').expect(200),
      await request(api.url).get('/predictions/99').expect(404),
    ]) {
      expect(answer.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'x-frame-options': 'SAMEORIGIN',
      });
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    }
  });

  it('keeps Swagger UI working under the policy: every script and style it loads is same-origin', async () => {
    const page = await request(api.url).get('/docs').redirects(1).expect(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
    for (const [, src] of page.text.matchAll(/<script src="([^"]+)"/g)) {
      await request(api.url).get(new URL(src, `${api.url}/docs`).pathname).expect(200);
    }
  });
});

describe('the personal-data start-up warning (defect 7)', () => {
  it('is printed once', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const database = await databaseFor('sqlite');
    const api = await bootApp(database.env);
    try {
      expect(warn.mock.calls.filter(([message]) => String(message).includes('ADMIN_API_KEYS'))).toHaveLength(1);
    } finally {
      warn.mockRestore();
      await api.close();
      await database.drop();
    }
  });
});

function retentionSuite(driver: Driver) {
  let api: TestApp;
  const booted = useTestApp(driver, { env: { RETENTION_DAYS: '30' } });
  beforeAll(() => (api = booted()));

  it('deletes inputs older than RETENTION_DAYS with their predictions, and keeps the rest', async () => {
    const old = await request(api.url).post('/predict').send({ features }).expect(200);
    const recent = await request(api.url).post('/predict').send({ features }).expect(200);
    const aged = new Date(Date.now() - 31 * 86_400_000);
    const stamp = driver === 'postgres' ? aged : aged.toISOString().replace('T', ' ').replace('Z', '');
    await api.dataSource.query(`UPDATE model_inputs SET created_at = ${driver === 'postgres' ? '$1' : '?'} WHERE id = ${old.body.input_id}`, [stamp]);
    // Act
    const deleted = await api.app.get(RetentionService).purge();
    // Assert
    expect(deleted).toBe(1);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 1, outputs: 1 });
    await request(api.url).get(`/predictions/${old.body.id}`).expect(404);
    await request(api.url).get(`/predictions/${recent.body.id}`).expect(200);
  });
}

describeWithPostgres('retention on PostgreSQL', () => retentionSuite('postgres'));
describeOn('sqlite')('retention on the embedded SQLite database', () => retentionSuite('sqlite'));
