import { Test } from '@nestjs/testing';
import { plainToInstance } from 'class-transformer';
import { AttritionScore, FeatureRow, ModelManifest, ModelRunner } from '@app/inference';
import { DatabaseUnavailableError, NewPredictionRecord, PredictionLogRepository } from '@app/persistence';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, FeatureMapper, PredictRequestDto } from '@app/validation';
import { loadContract } from '../../../test/fixtures/artifacts';
import { FeatureMismatchError } from './prediction.errors';
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
    return rows.map(() => ({ probability: this.probability, label: 1 as const, contributions: [] }));
  }
}

function request(features: Record<string, unknown>): PredictRequestDto {
  return plainToInstance(PredictRequestDto, { features });
}

async function serviceWith(runner: ModelRunner, repository: Partial<PredictionLogRepository>) {
  const moduleRef = await Test.createTestingModule({
    providers: [
      PredictionService,
      FeatureMapper,
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

  beforeEach(() => {
    runner = new FakeRunner(manifest);
    record = jest.fn(async (entry: NewPredictionRecord) => ({ ...entry, id: 7, inputId: 3, createdAt: new Date() }));
  });

  it('scores the raw features, stores them with the answer, and returns the stored ids', async () => {
    // Arrange
    const service = await serviceWith(runner, { record });
    // Act
    const response = await service.predict(request({ ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }));
    // Assert
    expect(runner.calls).toEqual([[EXAMPLE_EMPLOYEE_LIKELY_TO_STAY]]);
    expect(record).toHaveBeenCalledWith({
      features: EXAMPLE_EMPLOYEE_LIKELY_TO_STAY,
      prediction: 1,
      probability: 0.8,
      threshold: manifest.threshold,
      modelVersion: manifest.model.version,
    });
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
    const response = await service.predict(
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

  it('answers nothing when storing fails: the error propagates', async () => {
    const service = await serviceWith(runner, {
      record: jest.fn().mockRejectedValue(new DatabaseUnavailableError('down')),
    });
    await expect(service.predict(request({ ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY }))).rejects.toThrow(
      DatabaseUnavailableError,
    );
  });

  it('refuses to start when the model expects other features than the DTO provides', async () => {
    const other = { ...manifest, features: manifest.features.slice(1) };
    await expect(serviceWith(new FakeRunner(other), { record })).rejects.toThrow(FeatureMismatchError);
  });
});
