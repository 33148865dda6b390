import type { ModelInputEntity } from './model-input.entity';

/**
 * A row of `model_outcomes`: what really happened to the person behind one input (did they
 * leave?), at most one per input, deleted with the input by the database's cascade. Mapped to its
 * table per driver in entities.ts.
 */
export class ModelOutcomeEntity {
  inputId: number;
  input: ModelInputEntity;
  /** 1: the person left; 0: the person stayed. */
  left: number;
  /** When the outcome was observed, as the client reported it. */
  observedAt: Date;
  /** When it was stored (or last replaced). */
  recordedAt: Date;
}
