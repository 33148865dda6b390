/** What the service asks to store for one prediction. */
export interface NewPredictionRecord {
  /** The validated raw features, stored as one JSON document. */
  features: Record<string, number | string>;
  prediction: 0 | 1;
  probability: number;
  threshold: number;
  modelVersion: string;
}

/** A stored prediction: one `model_outputs` row with its `model_inputs` row. */
export interface PredictionRecord extends NewPredictionRecord {
  /** The output's id. */
  id: number;
  inputId: number;
  createdAt: Date;
}

/**
 * The prediction ledger port. `record` resolves only once both rows are committed, in one
 * transaction; it rejects with DatabaseUnavailableError when the database cannot be reached.
 */
export abstract class PredictionLogRepository {
  abstract record(entry: NewPredictionRecord): Promise<PredictionRecord>;
  abstract findById(id: number): Promise<PredictionRecord | null>;
}
