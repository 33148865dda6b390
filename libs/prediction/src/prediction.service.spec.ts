import { Test } from '@nestjs/testing';
import { plainToInstance } from 'class-transformer';
import { AttritionScore, FeatureRow, ModelManifest, ModelRunner } from '@app/inference';
import { DatabaseUnavailableError, NewPredictionRecord, PredictionLogRepository } from '@app/persistence';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, FeatureMapper, PredictRequestDto, RequestValidator } from '@app/validation';
import { VALIDATION_OPTIONS } from '../../validation/src/request-validator';
import { loadContract } from '../../../test/fixtures/artifacts';
import { BatchTooLargeError, FeatureMismatchError, IdempotencyKeyReusedError } from './prediction.errors';
import { PREDICTION_OPTIONS } from './prediction.options';
import { PredictionService } from './prediction.service';

class FakeRunner extends ModelRunner {
  readonly calls: FeatureRow[][] = [];
  constructor(readonly manifest: ModelManifest, private readonly probability = 0.8) {
    super();
  }
  isReady() {
    return true;
  }
  async score(rows: readonly FeatureRow[]): Promise<AttritionScore[]> {
    this.calls.push([...rows]);
    // Contributions -0.20, -0.19, ... in the manifest's order: the last names raise the risk most.
    const contributions = Object.fromEntries(this.manifest.contributions.names.map((name, i) => [name, (i - 20) / 100]));
    return rows.map(() => ({ probability: this.probability, label: 1 as const, contributions }));
  }
}

function request(features: Record<string, unknown>): PredictRequestDto {
  return plainToInstance(PredictRequestDto, { features });
}

async function serviceWith(runner: ModelRunner, repository: Partial<PredictionLogRepository>, maxBatchItems = 3) {
  const moduleRef = await Test.createTestingModule({
    providers: [
      PredictionService,
      FeatureMapper,
      RequestValidator,
      { provide: VALIDATION_OPTIONS, useValue: {} },
      { provide: PREDICTION_OPTIONS, useValue: { maxBatchItems } },
      { provide: ModelRunner, useValue: runner },
      { provide: PredictionLogRepository, useValue: repository },
    ],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(PredictionService);
}

describe('PredictionService', () => {
  const manifest = loadContract();
  let runner: FakeRunner;
  let record: jest.Mock;
  let recordMany: jest.Mock;

  beforeEach(() => {
    runner = new FakeRunner(manifest);
    record = jest.fn(async (entry: NewPredictionRecord) => ({
      record: { ...entry, id: 7, inputId: 3, createdAt: new Date() },
      replayed: false,
    }));
    recordMany = jest.fn(async (entries: NewPredictionRecord[]) =>
      entries.map((entry, i) => ({ stored: true, record: { ...entry, id: 100 + i, inputId: 200 + i, createdAt: new Date() }, replayed: false })),
    );
  });

  it('scores the raw features, stores them with the answer, and returns the stored ids', async () => {
    // Arrange
    const service = await serviceWith(runner, { record });
    // Act
    const { response, replayed } = await service.predict(request({ ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }));
    // Assert
    expect(replayed).toBe(false);
    expect(runner.calls).toEqual([[EXAMPLE_EMPLOYEE_LIKELY_TO_STAY]]);
    expect(record).toHaveBeenCalledWith({
      features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY,
      prediction: 1,
      probability: 0.8,
      threshold: manifest.threshold,
      modelVersion: manifest.model.version,
      contributions: expect.objectContaining({ [manifest.contributions.names[0]]: -0.2 }),
      idempotencyKey: undefined,
    });
    expect(Object.keys(record.mock.calls[0][0].contributions)).toEqual(manifest.contributions.names);
    expect(response).toEqual({
      prediction: 1,
      probability: 0.8,
      id: 7,
      input_id: 3,
      model_version: manifest.model.version,
      threshold: manifest.threshold,
      warnings: [],
    });
  });

  it('names ignored derived and unknown keys, unseen categories and extrapolations in warnings', async () => {
    const service = await serviceWith(runner, { record });
    const { response } = await service.predict(
      request({ ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, taux_volatilite: 0.2, foo: 1, poste: 'Astronaute', age: 65 }),
    );
    expect(response.warnings.map((w) => [w.feature, w.type])).toEqual([
      ['taux_volatilite', 'ignored_derived_feature'],
      ['foo', 'unknown_feature'],
      ['poste', 'unknown_category'],
      ['age', 'outside_training_range'],
    ]);
    expect(response.warnings[3].message).toBe('age 65 is outside the training range 18-60; the model extrapolates');
    expect(record.mock.calls[0][0].features).not.toHaveProperty('taux_volatilite');
  });

  it('explains on request: the largest contributions each way, with the values sent', async () => {
    const service = await serviceWith(runner, { record });
    const { response } = await service.predict(
      plainToInstance(PredictRequestDto, { features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }, explain: true }),
    );
    const names = manifest.contributions.names;
    expect(response.explanation!.raising.map((c) => c.feature)).toEqual(names.slice(-5).reverse());
    expect(response.explanation!.lowering.map((c) => c.feature)).toEqual(names.slice(0, 5));
    expect(response.explanation!.lowering[0]).toEqual({
      feature: names[0],
      value: (EXAMPLE_EMPLOYEE_LIKELY_TO_STAY as unknown as Record<string, unknown>)[names[0]] ?? null,
      contribution: -0.2,
    });
  });

  it('answers nothing when storing fails: the error propagates', async () => {
    const service = await serviceWith(runner, {
      record: jest.fn().mockRejectedValue(new DatabaseUnavailableError('down')),
    });
    await expect(service.predict(request({ ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }))).rejects.toThrow(
      DatabaseUnavailableError,
    );
  });

  it('replays an answer stored under the same key with the same features, and refuses other features', async () => {
    // Arrange: the repository finds the key already stored, with the example's features
    const stored = { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY };
    record.mockImplementation(async (entry: NewPredictionRecord) => ({
      record: { ...entry, features: stored, id: 7, inputId: 3, createdAt: new Date() },
      replayed: true,
    }));
    const service = await serviceWith(runner, { record });
    // Act / Assert
    await expect(service.predict(request({ ...stored }), 'key-0001')).resolves.toMatchObject({ replayed: true, response: { id: 7 } });
    expect(record.mock.calls[0][0].idempotencyKey).toBe('key-0001');
    await expect(service.predict(request({ ...stored, age: 30 }), 'key-0001')).rejects.toThrow(IdempotencyKeyReusedError);
  });

  describe('predictBatch', () => {
    it('gives the event loop back while it validates a large batch (other requests are not held up)', async () => {
      // Arrange: a macrotask queued as the batch starts; validating 1,000 items takes well over 4 ms.
      const service = await serviceWith(runner, { record, recordMany }, 1000);
      const items = Array.from({ length: 1000 }, () => ({ features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } }));
      let otherWorkRan = false;
      let otherWorkRanBeforeScoring: boolean | undefined;
      const score = runner.score.bind(runner);
      jest.spyOn(runner, 'score').mockImplementation((rows) => {
        otherWorkRanBeforeScoring = otherWorkRan;
        return score(rows);
      });
      // Act
      const done = service.predictBatch({ items });
      setImmediate(() => (otherWorkRan = true));
      await done;
      // Assert
      expect(otherWorkRanBeforeScoring).toBe(true);
    });

    it('answers an item the database refused with 500 and keeps the others; derives item keys from the batch key', async () => {
      // Arrange
      recordMany.mockImplementation(async (entries: NewPredictionRecord[]) =>
        entries.map((entry, i) =>
          i === 1
            ? { stored: false, error: Object.assign(new Error('refused'), { code: '22P05' }) }
            : { stored: true, record: { ...entry, id: 100 + i, inputId: 200 + i, createdAt: new Date() }, replayed: false },
        ),
      );
      const service = await serviceWith(runner, { record, recordMany });
      const item = { features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } };
      // Act
      const response = await service.predictBatch({ items: [item, { ...item, idempotency_key: 'own-key-1' }, { ...item, idempotency_key: '#' }] }, 'batch-key');
      // Assert
      expect(response.results.map((r) => r.status)).toEqual([200, 500, 400]);
      expect(response.results[1].error).toEqual({ statusCode: 500, error: 'Internal Server Error', detail: 'This item could not be stored' });
      expect(response.results[2].error!.errors).toEqual([expect.objectContaining({ feature: 'idempotency_key' })]);
      expect(response).toMatchObject({ stored: 1, rejected: 2 });
      expect(recordMany.mock.calls[0][0].map((e: NewPredictionRecord) => e.idempotencyKey)).toEqual(['batch-key#0', 'own-key-1']);
    });

    it('answers invalid items by index, scores the valid ones in one run and stores them in one call', async () => {
      // Arrange
      const service = await serviceWith(runner, { record, recordMany });
      const items = [
        { features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } },
        { features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, age: 71 } },
        { features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, taux_volatilite: 1 } },
      ];
      // Act
      const response = await service.predictBatch({ items });
      // Assert
      expect(response.stored).toBe(2);
      expect(response.rejected).toBe(1);
      expect(response.results.map((r) => [r.index, r.status])).toEqual([[0, 200], [1, 400], [2, 200]]);
      expect(response.results[0]).not.toHaveProperty('replayed');
      expect(response.results[1].error).toMatchObject({ statusCode: 400, error: 'Bad Request', errors: [expect.objectContaining({ feature: 'age' })] });
      expect(response.results[2].result).toMatchObject({ id: 101, input_id: 201, warnings: [expect.objectContaining({ feature: 'taux_volatilite' })] });
      expect(runner.calls).toHaveLength(1);
      expect(runner.calls[0]).toHaveLength(2);
      expect(recordMany).toHaveBeenCalledTimes(1);
      expect(record).not.toHaveBeenCalled();
    });

    it('refuses more items than the limit, naming it', async () => {
      const service = await serviceWith(runner, { record, recordMany });
      const items = Array.from({ length: 4 }, () => ({ features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } }));
      await expect(service.predictBatch({ items })).rejects.toThrow(new BatchTooLargeError(3, 4));
      expect(runner.calls).toHaveLength(0);
    });

    it('stores nothing and scores nothing when every item is invalid', async () => {
      const service = await serviceWith(runner, { record, recordMany });
      const response = await service.predictBatch({ items: [{}, { features: 3 }] });
      expect(response).toMatchObject({ stored: 0, rejected: 2 });
      expect(recordMany).not.toHaveBeenCalled();
    });
  });

  it('refuses to start when the model expects other features than the DTO provides', async () => {
    const other = { ...manifest, features: manifest.features.slice(1) };
    await expect(serviceWith(new FakeRunner(other), { record })).rejects.toThrow(FeatureMismatchError);
  });
});
