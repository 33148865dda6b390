import request from 'supertest';
import { ModelRunner } from '@app/inference';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { TestApp, useTestApp } from './support/app';

describe('the model unloaded while the service runs', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite');
  beforeAll(() => (api = booted()));

  it('/health/ready reports the model down with 503, and /predict answers 503 with Retry-After', async () => {
    // Arrange: up first.
    await request(api.url).get('/health/ready').expect(200);
    const runner = api.app.get(ModelRunner) as ModelRunner & { onModuleDestroy(): Promise<void> };

    // Act: the session is released (as at shutdown).
    await runner.onModuleDestroy();
    const ready = await request(api.url).get('/health/ready');
    const predict = await request(api.url).post('/predict').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY });

    // Assert
    expect(ready.status).toBe(503);
    expect(ready.body.error).toEqual({ model: { status: 'down', reason: 'model not loaded' } });
    expect(predict.status).toBe(503);
    expect(predict.headers['retry-after']).toBeDefined();
  });
});
