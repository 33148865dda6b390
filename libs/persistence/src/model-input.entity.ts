import type { ModelOutputEntity } from './model-output.entity';

/**
 * A row of `model_inputs`: the validated raw features of one request. Mapped to its table per
 * driver in entities.ts (JSONB on PostgreSQL, JSON text on SQLite).
 */
export class ModelInputEntity {
  id: number;
  features: Record<string, number | string>;
  createdAt: Date;
  /** Insert-only cascade: a save can never update an output by accident; deletes cascade in the database. */
  outputs: ModelOutputEntity[];
}
