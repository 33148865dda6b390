import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { ModelRunner } from '@app/inference';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE } from '@app/validation';
import { TestApp, useTestApp } from './support/app';

const ROOT = join(__dirname, '..');

/**
 * The OpenAPI document the service serves is valid (Redocly's recommended rules, no error) and
 * tells the truth: real 200, 400, 413 and 503 bodies conform to the schemas it declares.
 */
describe('the OpenAPI document (/docs-json)', () => {
  let api: TestApp;
  let document: { paths: Record<string, Record<string, { responses: Record<string, any> }>> };
  let dir: string;
  const booted = useTestApp('sqlite', { env: { BATCH_MAX_ITEMS: '2' } });
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);

  beforeAll(async () => {
    api = booted();
    document = (await request(api.url).get('/docs-json').expect(200)).body;
    ajv.addSchema(document, 'openapi');
    dir = mkdtempSync(join(tmpdir(), 'attrition-openapi-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Validates a real response against what the document declares for its path, method and status. */
  function expectConforms(path: string, method: string, response: request.Response): void {
    const declared = document.paths[path][method].responses[String(response.status)];
    expect(declared).toBeDefined();
    const pointer = ['paths', path, method, 'responses', String(response.status), 'content', 'application/json', 'schema']
      .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    const validate = ajv.compile({ $ref: `openapi#/${pointer}` });
    validate(response.body);
    expect(validate.errors ?? []).toEqual([]);
    // Headers declared `required: false` (Idempotent-Replayed) appear only on some answers.
    for (const [header, spec] of Object.entries<{ required?: boolean }>(declared.headers ?? {})) {
      if (spec.required !== false) expect(response.headers).toHaveProperty(header.toLowerCase());
    }
  }

  it('passes `redocly lint` with no error', () => {
    // Arrange
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    // Act
    const lint = spawnSync(join(ROOT, 'node_modules', '.bin', 'redocly'), ['lint', file, '--format=json'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    // Assert
    const report = JSON.parse(lint.stdout.slice(lint.stdout.indexOf('{')));
    const errors = report.problems.filter((p: { severity: string }) => p.severity === 'error');
    expect(errors.map((p: { ruleId: string; message: string }) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(lint.status).toBe(0);
  });

  it('describes real 200, 400 and 413 answers of /predict and /predict/batch', async () => {
    const features = EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE;
    // 200 with an explanation: derived features carry `value: null`.
    const explained = await request(api.url).post('/predict').send({ features, explain: true }).expect(200);
    expect(explained.body.explanation.raising.concat(explained.body.explanation.lowering)).toContainEqual(
      expect.objectContaining({ value: null }),
    );
    expectConforms('/predict', 'post', explained);
    // 200 with warnings.
    const post = (body: object, status: number) => request(api.url).post('/predict').send(body).expect(status);
    expectConforms('/predict', 'post', await post({ features: { ...features, poste: 'Astronaute', x: 1 } }, 200));
    expectConforms('/predict', 'post', await post({ features: { ...features, age: 'old' } }, 400));
    expectConforms('/predict', 'post', await post({ features, padding: 'x'.repeat(200_000) }, 413));
    const batch = await request(api.url).post('/predict/batch').send({ items: [{ features }, { features: {} }] }).expect(200);
    expectConforms('/predict/batch', 'post', batch);
    const tooMany = await request(api.url).post('/predict/batch').send({ items: [{ features }, { features }, { features }] }).expect(413);
    expectConforms('/predict/batch', 'post', tooMany);
  });

  it('describes a real 503 with its Retry-After header', async () => {
    // Arrange: the model is unloaded (last test: the app is not used again).
    await (api.app.get(ModelRunner) as ModelRunner & { onModuleDestroy(): Promise<void> }).onModuleDestroy();
    // Act
    const response = await request(api.url).post('/predict').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE });
    // Assert
    expect(response.status).toBe(503);
    expect(document.paths['/predict'].post.responses['503'].headers).toHaveProperty('Retry-After');
    expectConforms('/predict', 'post', response);
  });
});
