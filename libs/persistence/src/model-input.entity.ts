import type { ModelOutcomeEntity } from './model-outcome.entity';
import type { ModelOutputEntity } from './model-output.entity';

/**
 * A row of `model_inputs`: the validated raw features of one request. Mapped to its table per
 * driver in entities.ts (JSONB on PostgreSQL, JSON text on SQLite).
 */
export class ModelInputEntity {
  id: number;
  features: Record<string, number | string>;
  createdAt: Date;
  /**
   * The client's Idempotency-Key (a batch item's own key, or `<header key>#<index>`); unique when
   * set. 200: room for a 128-character key, `#` and an index.
   */
  idempotencyKey: string | null;
  /** Insert-only cascade: a save can never update an output by accident; deletes cascade in the database. */
  outputs: ModelOutputEntity[];
  /** What really happened to the person, once recorded. */
  outcome?: ModelOutcomeEntity | null;
}
