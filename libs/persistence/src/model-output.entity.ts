import type { ModelInputEntity } from './model-input.entity';

/**
 * A row of `model_outputs`: one prediction for one input, deleted with its input by the
 * database's cascade. Mapped to its table per driver in entities.ts.
 */
export class ModelOutputEntity {
  id: number;
  input: ModelInputEntity;
  prediction: number;
  probability: number | null;
  threshold: number;
  /** Contribution of each model feature to the log-odds, by name: why the model said what it said. */
  contributions: Record<string, number> | null;
  modelVersion: string;
  createdAt: Date;
}
