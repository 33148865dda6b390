import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE } from '@app/validation';
import { LOG_DESTINATION } from '../apps/api/src/logging/logging';
import { bootApp, databaseFor, DatabaseUnderTest, TestApp } from './support/app';
import { LogSink } from './support/log-sink';

/** Values of the request that must never reach a log line (personal data). */
const PERSONAL_VALUES = [
  EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE.poste,
  EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE.domaine_etude,
  EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE.statut_marital,
  String(EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE.revenu_mensuel),
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Boots the app on SQLite with its log lines going to `sink` instead of standard output. */
function useLoggedApp(env: Record<string, string | undefined>): { api: () => TestApp; sink: LogSink } {
  const sink = new LogSink();
  let database: DatabaseUnderTest | undefined;
  let api: TestApp | undefined;
  beforeAll(async () => {
    database = await databaseFor('sqlite');
    api = await bootApp({ ...database.env, ...env }, (builder) => builder.overrideProvider(LOG_DESTINATION).useValue(sink));
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });
  beforeEach(() => sink.clear());
  return { api: () => api!, sink };
}

describe('logs at the default log level (LOG_LEVEL unset)', () => {
  const { api, sink } = useLoggedApp({ LOG_LEVEL: undefined });

  it("writes one JSON access line per request, with the client's X-Request-Id, and the prediction line under the same id", async () => {
    // Act
    const response = await request(api().url)
      .post('/predict')
      .set('X-Request-Id', 'client-id-0001')
      .set('X-API-Key', 'not-a-configured-key-0001')
      .send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE })
      .expect(200);

    // Assert
    expect(response.headers['x-request-id']).toBe('client-id-0001');
    const lines = sink.forRequest('client-id-0001');
    const access = lines.filter((line) => line.msg === 'request completed');
    expect(access).toEqual([
      {
        level: 'info',
        time: expect.any(String),
        pid: process.pid,
        hostname: expect.any(String),
        request_id: 'client-id-0001',
        method: 'POST',
        route: '/predict',
        status: 200,
        duration_ms: expect.any(Number),
        msg: 'request completed',
      },
    ]);
    const prediction = lines.filter((line) => line.context === 'PredictionService');
    expect(prediction).toHaveLength(1);
    expect(prediction[0].msg).toMatch(new RegExp(`^prediction ${response.body.id} model ${response.body.model_version}: ${response.body.prediction} in \\d+\\.\\d+ ms$`));
    const text = JSON.stringify(sink.lines);
    expect(PERSONAL_VALUES.filter((value) => text.includes(value))).toEqual([]);
    expect(text).not.toContain('not-a-configured-key-0001');
  });

  it('puts the batch line and the CSV file line under their request ids', async () => {
    await request(api().url).post('/predict/batch').set('X-Request-Id', 'batch-0001').send({ items: [{ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }] }).expect(200);
    const header = Object.keys(EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE).join(',');
    const row = Object.values(EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE).join(',');
    await request(api().url).post('/predict/csv').set('X-Request-Id', 'csv-0001').set('Content-Type', 'text/csv').send(`${header}\n${row}\n`).expect(200);
    expect(sink.forRequest('batch-0001').filter((line) => line.context === 'PredictionService').map((line) => line.msg)).toEqual([
      expect.stringMatching(/^batch of 1: 1 stored, 0 rejected in /),
    ]);
    expect(sink.forRequest('csv-0001').filter((line) => line.context === 'CsvScoringService').map((line) => line.msg)).toEqual([
      expect.stringMatching(/^csv file: 1 rows, 1 stored, 0 rejected in /),
    ]);
  });

  it('makes a UUID when the request has no id, or one that is too long or of unsafe characters', async () => {
    for (const sent of [undefined, 'x'.repeat(129), 'id with spaces', 'id"quote', 'ünï']) {
      const call = request(api().url).get('/health/live');
      if (sent !== undefined) call.set('X-Request-Id', sent);
      const response = await call.expect(200);
      const id = response.headers['x-request-id'];
      expect(id).toMatch(UUID);
      expect(sink.forRequest(id).map((line) => line.route)).toEqual(['/health/live']);
    }
    const kept = await request(api().url).get('/health/live').set('X-Request-Id', 'a'.repeat(128)).expect(200);
    expect(kept.headers['x-request-id']).toBe('a'.repeat(128));
  });

  it('puts the request id in every error body, also for requests refused before routing', async () => {
    const url = api().url;
    const refusals = [
      request(url).post('/predict').send({ features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, age: 7 } }).expect(400),
      request(url).post('/predict').set('Content-Type', 'application/json').send('{"features": {').expect(400),
      request(url).post('/predict').set('Content-Type', 'text/plain').send('age=41').expect(415),
      request(url).post('/predict').send({ features: { poste: 'x'.repeat(200_000) } }).expect(413),
      request(url).post('/predict').send(JSON.stringify(Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, i])))).set('Content-Type', 'application/json').expect(400),
      request(url).get('/no-such-route').expect(404),
      request(url).get('/predictions/abc').expect(400),
    ];
    for (const response of await Promise.all(refusals)) {
      expect(response.headers['x-request-id']).toMatch(UUID);
      expect(response.body.request_id).toBe(response.headers['x-request-id']);
      const access = sink.forRequest(response.body.request_id).filter((line) => line.msg === 'request completed');
      expect(access).toHaveLength(1);
      // Refused before routing, or matched by no route: one label, never the path.
      if (response.status !== 400 || response.body.errors[0].feature !== 'age') expect(access[0].route).toMatch(/^(unmatched|\/predictions\/:id)$/);
    }
  });
});

describe('the request id of a request refused by the rate limiter (RATE_LIMIT_PREDICT=1)', () => {
  const { api, sink } = useLoggedApp({ LOG_LEVEL: undefined, RATE_LIMIT_PREDICT: '1' });

  it('is in the 429 body and its access line', async () => {
    await request(api().url).post('/predict').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }).expect(200);
    const limited = await request(api().url).post('/predict').set('X-Request-Id', 'limited-0002').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE });
    expect(limited.status).toBe(429);
    expect(limited.body.request_id).toBe('limited-0002');
    expect(sink.forRequest('limited-0002')).toEqual([expect.objectContaining({ status: 429, route: 'unmatched', msg: 'request completed' })]);
  });
});

describe('logs with LOG_LEVEL=warn', () => {
  const { api, sink } = useLoggedApp({ LOG_LEVEL: 'warn' });

  it('has no access line and no prediction line, and still answers with an id', async () => {
    const response = await request(api().url).post('/predict').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }).expect(200);
    expect(response.headers['x-request-id']).toMatch(UUID);
    expect(sink.lines.filter((line) => line.level === 'info' || line.level === 'debug')).toEqual([]);
  });
});

describe('logs with LOG_LEVEL=debug', () => {
  const { api, sink } = useLoggedApp({ LOG_LEVEL: 'debug' });

  it('adds the inference timings under the request id, still without a feature value', async () => {
    const response = await request(api().url).post('/predict').set('X-Request-Id', 'debug-0001').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }).expect(200);
    expect(response.headers['x-request-id']).toBe('debug-0001');
    expect(sink.lines.some((line) => line.level === 'debug' && line.context === 'OnnxModelRunner')).toBe(true);
    const text = JSON.stringify(sink.lines);
    expect(PERSONAL_VALUES.filter((value) => text.includes(value))).toEqual([]);
  });
});
