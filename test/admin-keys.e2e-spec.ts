import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { TestApp, useTestApp } from './support/app';

const KEY = 'test-admin-key-0123456789';

describe('ADMIN_API_KEYS protects the endpoints that read or erase personal data', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', { env: { ADMIN_API_KEYS: `${KEY},another-key-abcdefghij` } });
  beforeAll(() => (api = booted()));

  it.each([
    ['GET', '/predictions'],
    ['GET', '/predictions/1'],
    ['GET', '/predictions/export.csv'],
    ['DELETE', '/inputs/1'],
    ['POST', '/outcomes'],
    ['GET', '/model/performance'],
    ['GET', '/model/drift'],
    ['GET', '/model/fairness'],
  ])('%s %s without a key: 401 naming what to send', async (method, path) => {
    const call = request(api.url)[method.toLowerCase() as 'get' | 'post' | 'delete'](path);
    // A POST carries a JSON body, so that only the missing key is wrong with it.
    const { body } = await (method === 'POST' ? call.send({ input_id: 1, left: 1, observed_at: '2026-06-30' }) : call).expect(401);
    expect(body).toEqual({ statusCode: 401, error: 'Unauthorized', detail: expect.stringContaining('X-API-Key'), request_id: expect.any(String) });
  });

  it('rejects a wrong key, including a prefix of a valid one', async () => {
    await request(api.url).get('/predictions').set('X-API-Key', 'wrong-key-0123456789012').expect(401);
    await request(api.url).get('/predictions').set('Authorization', `Bearer ${KEY.slice(0, -1)}`).expect(401);
  });

  it('accepts any configured key, as a bearer token or X-API-Key', async () => {
    const made = await request(api.url).post('/predict').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }).expect(200);
    await request(api.url).get('/predictions').set('Authorization', `Bearer ${KEY}`).expect(200);
    await request(api.url).get(`/predictions/${made.body.id}`).set('X-API-Key', 'another-key-abcdefghij').expect(200);
    const outcome = { input_id: made.body.input_id, left: 0, observed_at: '2026-06-30' };
    await request(api.url).post('/outcomes').set('X-API-Key', KEY).send(outcome).expect(201);
    await request(api.url).get('/model/performance').set('X-API-Key', KEY).expect(200);
    await request(api.url).delete(`/inputs/${made.body.input_id}`).set('X-API-Key', KEY).expect(204);
  });

  it('leaves prediction, model and health endpoints open, as the original clients expect', async () => {
    await request(api.url).post('/predict').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }).expect(200);
    await request(api.url).get('/model').expect(200);
    await request(api.url).get('/health').expect(200);
  });
});
