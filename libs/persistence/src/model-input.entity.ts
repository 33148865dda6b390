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
  /** `features.genre`, kept as a plain column for the fairness report (see auditedAttributes). */
  genre: number | null;
  /** `features.age`, kept as a plain column for the fairness report (see auditedAttributes). */
  age: number | null;
  /** Insert-only cascade: a save can never update an output by accident; deletes cascade in the database. */
  outputs: ModelOutputEntity[];
  /** What really happened to the person, once recorded. */
  outcome?: ModelOutcomeEntity | null;
}

/** The attributes the fairness report groups by, stored as plain columns of model_inputs beside the features. */
export const AUDITED_ATTRIBUTES = ['genre', 'age'] as const;
export type AuditedAttribute = (typeof AUDITED_ATTRIBUTES)[number];

/**
 * The audited attributes of one input, as its writer stores them: each taken from the features
 * when it is an integer, else null. The backfill migrations (1764900000000) apply the same rule in
 * SQL to the rows written before.
 */
export function auditedAttributes(features: Readonly<Record<string, unknown>>): Record<AuditedAttribute, number | null> {
  const integer = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : null);
  return { genre: integer(features.genre), age: integer(features.age) };
}
