import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { countRows, Driver, TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn } from './support/test-settings';
import { loadContract } from './fixtures/artifacts';

const contract = loadContract();
const stay = () => ({ ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }) as Record<string, unknown>;

function predictSuite(driver: Driver) {
  let api: TestApp;
  const booted = useTestApp(driver);
  beforeAll(() => (api = booted()));

  const post = (body: unknown) => request(api.url).post('/predict').send(body as object);

  it('GET /health answers {"status":"ok"} as the original did', async () => {
    await request(api.url).get('/health').expect(200, { status: 'ok' });
  });

  it('GET /health/ready reports the database (reachable, accepting writes) and the model up', async () => {
    const { body } = await request(api.url).get('/health/ready').expect(200);
    expect(body.details).toEqual({
      database: { status: 'up' },
      database_writes: { status: 'up' },
      model: { status: 'up', version: contract.model.version },
    });
  });

  it("answers the original's fields and stores one input and one output row before answering", async () => {
    // Act
    const { body } = await post({ features: stay() }).expect(200);
    // Assert
    expect(body).toEqual({
      prediction: 0,
      probability: expect.any(Number),
      id: expect.any(Number),
      input_id: expect.any(Number),
      model_version: contract.model.version,
      threshold: contract.threshold,
      warnings: [],
    });
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 1, outputs: 1 });
    const [output] = await api.dataSource.query(`SELECT * FROM model_outputs WHERE id = ${body.id}`);
    expect(Number(output.input_id)).toBe(body.input_id);
    expect(Number(output.prediction)).toBe(body.prediction);
    expect(Number(output.probability)).toBe(body.probability);
    expect(output.model_version).toBe(contract.model.version);
    const [input] = await api.dataSource.query(`SELECT features FROM model_inputs WHERE id = ${body.input_id}`);
    const features = typeof input.features === 'string' ? JSON.parse(input.features) : input.features;
    expect(features).toEqual(EXAMPLE_EMPLOYEE_LIKELY_TO_STAY);
  });

  it('predicts the Swagger examples as documented: one stays (0), one leaves (1)', async () => {
    const stays = await post({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }).expect(200);
    const leaves = await post({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }).expect(200);
    expect(stays.body.prediction).toBe(0);
    expect(stays.body.probability).toBeLessThan(0.1);
    expect(leaves.body.prediction).toBe(1);
    expect(leaves.body.probability).toBeGreaterThan(0.7);
  });

  it("accepts an old client's request with its 16 derived features, ignores them and names each one", async () => {
    const legacy = Object.fromEntries(contract.legacy_derived_features.map((name, i) => [name, i / 10]));
    const { body } = await post({ features: { ...stay(), ...legacy, extra_key: 'x' } }).expect(200);
    const plain = await post({ features: stay() }).expect(200);
    expect(body.probability).toBe(plain.body.probability);
    expect(body.warnings.filter((w: { type: string }) => w.type === 'ignored_derived_feature').map((w: { feature: string }) => w.feature).sort())
      .toEqual([...contract.legacy_derived_features].sort());
    expect(body.warnings).toContainEqual(expect.objectContaining({ feature: 'extra_key', type: 'unknown_feature' }));
    const [input] = await api.dataSource.query(`SELECT features FROM model_inputs WHERE id = ${body.input_id}`);
    const stored = typeof input.features === 'string' ? JSON.parse(input.features) : input.features;
    expect(Object.keys(stored).sort()).toEqual(contract.features.map((f) => f.name).sort());
  });

  it('predicts an unseen category with a warning, and an out-of-training value with an extrapolation warning', async () => {
    const { body } = await post({ features: { ...stay(), poste: 'Astronaute', distance_domicile_travail: 120 } }).expect(200);
    expect(body.warnings).toEqual([
      expect.objectContaining({ feature: 'poste', type: 'unknown_category' }),
      expect.objectContaining({ feature: 'distance_domicile_travail', type: 'outside_training_range' }),
    ]);
  });

  describe('bad input: 400 naming the feature, nothing stored', () => {
    afterEach(async () => {
      await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 0, outputs: 0 });
    });

    it.each([
      ['a string where a number belongs', { age: '35' }, 'age'],
      ['a boolean', { heure_supplementaires: true }, 'heure_supplementaires'],
      ['null', { revenu_mensuel: null }, 'revenu_mensuel'],
      ['a non-integer', { niveau_education: 2.5 }, 'niveau_education'],
      ['a value below the hard limit', { age: 15 }, 'age'],
      ['a value above the hard limit', { satisfaction_employee_equipe: 5 }, 'satisfaction_employee_equipe'],
      ['a number for a category', { poste: 7 }, 'poste'],
      ['an incoherent seniority', { annees_dans_l_entreprise: 9, annee_experience_totale: 8 }, 'annees_dans_l_entreprise'],
    ])('%s', async (_, change, feature) => {
      const { body } = await post({ features: { ...stay(), ...change } }).expect(400);
      expect(body.statusCode).toBe(400);
      expect(body.detail).toContain(feature);
      expect(body.errors).toContainEqual(expect.objectContaining({ feature }));
    });

    it('a missing feature', async () => {
      const features = stay();
      delete features.poste;
      const { body } = await post({ features }).expect(400);
      expect(body.errors).toEqual([{ feature: 'poste', constraint: 'isDefined', message: 'poste is required and must not be null' }]);
    });

    it('reports every failing feature at once', async () => {
      const { body } = await post({ features: { ...stay(), age: 99, genre: 'M', poste: null } }).expect(400);
      expect(body.errors.map((e: { feature: string }) => e.feature).sort()).toEqual(['age', 'genre', 'poste']);
      for (const feature of ['age', 'genre', 'poste']) expect(body.detail).toContain(feature);
    });

    it.each([
      ['features missing', {}],
      ['features not an object', { features: [1, 2] }],
      ['features a string', { features: 'age=35' }],
    ])('%s', async (_, body) => {
      const response = await post(body).expect(400);
      expect(response.body.detail).toContain('features');
    });

    it('malformed JSON', async () => {
      const { body } = await request(api.url).post('/predict').set('content-type', 'application/json').send('{"features": {').expect(400);
      expect(body.detail).toMatch(/^Malformed JSON body/);
    });

    it('a body over the size limit: 413', async () => {
      const { body } = await post({ features: { ...stay(), padding: 'x'.repeat(200_000) } }).expect(413);
      expect(body.detail).toMatch(/exceeds the limit of \d+ bytes/);
    });
  });

  it('exposes Prometheus metrics: request timings by route and status, and the served model', async () => {
    await post({ features: stay() }).expect(200);
    await post({ features: { ...stay(), age: 5 } }).expect(400);
    await request(api.url).get('/no-such-route').expect(404);
    const { text } = await request(api.url).get('/metrics').expect(200).expect('content-type', /text\/plain/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/predict",status="200"\} [1-9]/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/predict",status="400"\} [1-9]/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} [1-9]/);
    expect(text).toContain(`attrition_model_info{name="${contract.model.name}",version="${contract.model.version}",sha256="${contract.model.sha256}"} 1`);
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('documents the API: Swagger UI at /docs and OpenAPI with limits, categories, examples and errors', async () => {
    await request(api.url).get('/docs').expect(200).expect('content-type', /html/);
    const { body } = await request(api.url).get('/docs-json').expect(200);
    const features = body.components.schemas.AttritionFeaturesDto;
    expect(features.required).toHaveLength(27);
    expect(features.properties.age).toMatchObject({ type: 'integer', minimum: 18, maximum: 70 });
    // Unseen labels are accepted with a warning: the known ones are listed, not enforced as an enum.
    expect(features.properties.poste).toMatchObject({ type: 'string' });
    expect(features.properties.poste).not.toHaveProperty('enum');
    for (const label of contract.features.find((f) => f.name === 'poste')!.categories!) {
      expect(features.properties.poste.description).toContain(label);
    }
    const predict = body.paths['/predict'].post;
    expect(Object.keys(predict.requestBody.content['application/json'].examples)).toEqual(['likelyToStay', 'likelyToLeave']);
    expect(Object.keys(predict.responses).sort()).toEqual(['200', '400', '401', '413', '422', '503']);
    expect(predict.parameters).toEqual([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false })]);
    expect(body.components.schemas.ErrorResponseDto.properties).toHaveProperty('errors');
    expect(Object.keys(body.paths).sort()).toEqual([
      '/health', '/health/live', '/health/ready', '/inputs/{id}', '/metrics', '/model', '/model/drift', '/model/fairness',
      '/model/performance', '/outcomes', '/predict', '/predict/batch', '/predict/csv', '/predictions', '/predictions/export.csv',
      '/predictions/{id}', '/version',
    ]);
    expect(body.paths['/predictions'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      ['cursor', 'from', 'limit', 'min_probability', 'model_version', 'prediction', 'to'],
    );
  });
}

describeWithPostgres('POST /predict on PostgreSQL', () => predictSuite('postgres'));
describeOn('sqlite')('POST /predict on the embedded SQLite database', () => predictSuite('sqlite'));

describe('STRICT_CATEGORIES=true', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', { env: { STRICT_CATEGORIES: 'true' }, truncate: false });
  beforeAll(() => (api = booted()));

  it('rejects an unseen category with 400 listing the allowed values', async () => {
    const { body } = await request(api.url).post('/predict').send({ features: { ...stay(), poste: 'Astronaute' } }).expect(400);
    expect(body.errors).toEqual([expect.objectContaining({ feature: 'poste', constraint: 'isIn' })]);
    expect(body.detail).toContain('Tech Lead');
  });

  it('still predicts known categories', async () => {
    await request(api.url).post('/predict').send({ features: stay() }).expect(200);
  });
});
