import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { badRequestBody } from '@app/common';
import { AttritionScore, ModelManifest, ModelRunner } from '@app/inference';
import { NewPredictionRecord, PredictionLogRepository, PredictionRecord } from '@app/persistence';
import {
  FeatureMapper,
  FeatureValidationError,
  MappedFeatures,
  PredictRequestDto,
  RequestValidator,
} from '@app/validation';
import { explain } from './explanation';
import { BatchItemResultDto, PredictBatchResponseDto } from './predict-batch.dto';
import { BatchTooLargeError, FeatureMismatchError } from './prediction.errors';
import { PREDICTION_OPTIONS, PredictionModuleOptions } from './prediction.options';
import { PredictionResponseDto, PredictionWarningDto } from './prediction-response.dto';
import { TrainingDomain } from './training-domain';

const DEFAULT_MAX_BATCH_ITEMS = 1000;

/** Validate (the pipe, or item by item for batches) -> warn -> infer -> persist -> answer. */
@Injectable()
export class PredictionService implements OnModuleInit {
  private readonly logger = new Logger(PredictionService.name);
  private domain: TrainingDomain;

  constructor(
    private readonly mapper: FeatureMapper,
    private readonly validator: RequestValidator,
    private readonly runner: ModelRunner,
    private readonly log: PredictionLogRepository,
    @Inject(PREDICTION_OPTIONS) private readonly options: PredictionModuleOptions,
  ) {}

  /** Refuses to start when the request contract and the model's inputs differ. */
  onModuleInit(): void {
    const manifest = this.runner.manifest;
    const expected = manifest.features.map((f) => f.name).sort().join();
    const actual = [...this.mapper.featureNames].sort().join();
    if (expected !== actual) {
      throw new FeatureMismatchError(
        `The request DTO's features [${actual}] differ from model ${manifest.model.version}'s [${expected}]`,
      );
    }
    this.domain = new TrainingDomain(manifest);
  }

  async predict(request: PredictRequestDto): Promise<PredictionResponseDto> {
    const started = performance.now();
    const mapped = this.mapper.map(request.features);
    const manifest = this.runner.manifest;
    const [score] = await this.runner.score([mapped.features]);
    const entry = toEntry(mapped, score, manifest);
    const record = await this.log.record(entry);
    // The app's logger filters by LOG_LEVEL (the static Logger.isLevelEnabled only knows levels set as an array).
    this.logger.log(
      `prediction ${record.id} model ${record.modelVersion}: ${record.prediction} ` +
        `in ${(performance.now() - started).toFixed(2)} ms`,
    );
    return this.respond(request, mapped, record);
  }

  /** One inference run and one transaction for all valid items; invalid items are answered by index. */
  async predictBatch(items: readonly unknown[]): Promise<PredictBatchResponseDto> {
    const limit = this.options.maxBatchItems ?? DEFAULT_MAX_BATCH_ITEMS;
    if (items.length > limit) throw new BatchTooLargeError(limit, items.length);
    const started = performance.now();
    const results = new Array<BatchItemResultDto>(items.length);
    const valid: { index: number; request: PredictRequestDto; mapped: MappedFeatures }[] = [];
    for (const [index, item] of items.entries()) {
      try {
        const request = await this.validator.validate(PredictRequestDto, item);
        valid.push({ index, request, mapped: this.mapper.map(request.features) });
      } catch (error) {
        if (!(error instanceof FeatureValidationError)) throw error;
        results[index] = { index, status: 400, error: badRequestBody(error.message, error.problems) };
      }
    }
    if (valid.length > 0) {
      const manifest = this.runner.manifest;
      const scores = await this.runner.score(valid.map((v) => v.mapped.features));
      const records = await this.log.recordMany(valid.map((v, i) => toEntry(v.mapped, scores[i], manifest)));
      valid.forEach((v, i) => {
        results[v.index] = { index: v.index, status: 200, result: this.respond(v.request, v.mapped, records[i]) };
      });
    }
    this.logger.log(
      `batch of ${items.length}: ${valid.length} stored, ${items.length - valid.length} rejected ` +
        `in ${(performance.now() - started).toFixed(1)} ms`,
    );
    return { stored: valid.length, rejected: items.length - valid.length, results };
  }

  private respond(request: PredictRequestDto, mapped: MappedFeatures, record: PredictionRecord): PredictionResponseDto {
    const response: PredictionResponseDto = {
      prediction: record.prediction,
      probability: record.probability,
      id: record.id,
      input_id: record.inputId,
      model_version: record.modelVersion,
      threshold: record.threshold,
      warnings: [...ignoredKeyWarnings(mapped), ...this.domain.warningsFor(mapped.features)],
    };
    if (request.explain && record.contributions) response.explanation = explain(record.contributions, mapped.features);
    return response;
  }
}

function toEntry(mapped: MappedFeatures, score: AttritionScore, manifest: ModelManifest): NewPredictionRecord {
  const contributions: Record<string, number> = {};
  manifest.contributions.names.forEach((name, i) => (contributions[name] = score.contributions[i]));
  return {
    features: mapped.features,
    prediction: score.label,
    probability: score.probability,
    threshold: manifest.threshold,
    modelVersion: manifest.model.version,
    contributions,
  };
}

function ignoredKeyWarnings({ ignoredDerived, ignoredUnknown }: MappedFeatures): PredictionWarningDto[] {
  return [
    ...ignoredDerived.map((feature) => ({
      feature,
      type: 'ignored_derived_feature' as const,
      message: `${feature} is computed by the model from the raw features; the value sent was ignored`,
    })),
    ...ignoredUnknown.map((feature) => ({
      feature,
      type: 'unknown_feature' as const,
      message: `${feature} is not a feature of this model; it was ignored`,
    })),
  ];
}
