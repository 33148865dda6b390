import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModelRunner } from '@app/inference';
import { PredictionLogRepository } from '@app/persistence';
import { FeatureMapper, MappedFeatures, PredictRequestDto } from '@app/validation';
import { FeatureMismatchError } from './prediction.errors';
import { PredictionResponseDto, PredictionWarningDto } from './prediction-response.dto';
import { explain } from './explanation';
import { TrainingDomain } from './training-domain';

/** Validate (already done by the pipe) -> warn -> infer -> persist -> answer. */
@Injectable()
export class PredictionService implements OnModuleInit {
  private readonly logger = new Logger(PredictionService.name);
  private domain: TrainingDomain;

  constructor(
    private readonly mapper: FeatureMapper,
    private readonly runner: ModelRunner,
    private readonly log: PredictionLogRepository,
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
    const contributions = byName(manifest.contributions.names, score.contributions);
    const record = await this.log.record({
      features: mapped.features,
      prediction: score.label,
      probability: score.probability,
      threshold: manifest.threshold,
      modelVersion: manifest.model.version,
      contributions,
    });
    this.logger.log(
      `prediction ${record.id} model ${record.modelVersion}: ${record.prediction} ` +
        `in ${(performance.now() - started).toFixed(2)} ms`,
    );
    const response: PredictionResponseDto = {
      prediction: score.label,
      probability: score.probability,
      id: record.id,
      input_id: record.inputId,
      model_version: record.modelVersion,
      threshold: record.threshold,
      warnings: [...ignoredKeyWarnings(mapped), ...this.domain.warningsFor(mapped.features)],
    };
    if (request.explain) response.explanation = explain(contributions, mapped.features);
    return response;
  }
}

function byName(names: readonly string[], values: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((name, i) => (out[name] = values[i]));
  return out;
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
