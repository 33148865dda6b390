import { ModelOutputEntity } from './model-output.entity';
import { PredictionRecord } from './prediction-log.repository';

/** Entities never leave the persistence library: callers get plain records. */
export function toPredictionRecord(output: ModelOutputEntity, input = output.input): PredictionRecord {
  return {
    id: output.id,
    inputId: input.id,
    features: input.features,
    prediction: output.prediction === 1 ? 1 : 0,
    probability: output.probability ?? Number.NaN,
    threshold: output.threshold,
    modelVersion: output.modelVersion,
    contributions: output.contributions,
    createdAt: output.createdAt,
    ...(input.idempotencyKey === null ? {} : { idempotencyKey: input.idempotencyKey }),
    outcome: input.outcome
      ? { inputId: input.id, left: input.outcome.left === 1 ? 1 : 0, observedAt: input.outcome.observedAt, recordedAt: input.outcome.recordedAt }
      : null,
  };
}
