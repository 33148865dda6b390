import { OutcomeRecord } from './monitoring.repository';

/** What the service asks to store for one prediction. */
export interface NewPredictionRecord {
  /** The validated raw features, stored as one JSON document. */
  features: Record<string, number | string>;
  prediction: 0 | 1;
  probability: number;
  threshold: number;
  modelVersion: string;
  /** Contribution of each model feature to the log-odds, by name; kept so "why" survives model changes. */
  contributions: Record<string, number> | null;
}

/** A stored prediction: one `model_outputs` row with its `model_inputs` row. */
export interface PredictionRecord extends NewPredictionRecord {
  /** The output's id. */
  id: number;
  inputId: number;
  createdAt: Date;
  /** The observed outcome of the input, when recorded (set by reads; writes leave it out). */
  outcome?: OutcomeRecord | null;
}

/** Filters of the history, newest first, keyset-paginated on the output id. */
export interface PredictionQuery {
  limit: number;
  /** Only outputs with an id below this one (the previous page's last id). */
  beforeId?: number;
  /** created_at >= from */
  from?: Date;
  /** created_at < to */
  to?: Date;
  prediction?: 0 | 1;
  modelVersion?: string;
  minProbability?: number;
}

/**
 * The prediction ledger port. `record` resolves only once both rows are committed, in one
 * transaction (possibly shared with concurrent calls); it rejects with DatabaseUnavailableError
 * when the database cannot be reached.
 */
export abstract class PredictionLogRepository {
  abstract record(entry: NewPredictionRecord): Promise<PredictionRecord>;
  /** Many predictions in one transaction: all committed, or none. */
  abstract recordMany(entries: readonly NewPredictionRecord[]): Promise<PredictionRecord[]>;
  abstract findById(id: number): Promise<PredictionRecord | null>;
  /** Newest first, at most `query.limit` records. */
  abstract list(query: PredictionQuery): Promise<PredictionRecord[]>;
  /** Deletes an input and, by the database's cascade, all its outputs; false when there was none. */
  abstract deleteInput(inputId: number): Promise<boolean>;
}
