import { OutcomeRecord } from './monitoring.repository';

/** Largest row id either engine hands out (declared in @app/common, where validation reads it too). */
export { MAX_ROW_ID } from '@app/common';

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
  /**
   * The client's key for this prediction (unique): a later record with the same key stores
   * nothing and returns the stored prediction instead.
   */
  idempotencyKey?: string;
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

/** A committed prediction; `replayed` when its idempotency key was stored before and nothing new was. */
export interface StoredPrediction {
  record: PredictionRecord;
  replayed: boolean;
}

/** One entry of `recordMany`: stored (or replayed), or refused by the database for itself alone. */
export type RecordOutcome = ({ stored: true } & StoredPrediction) | { stored: false; error: unknown };

/**
 * The prediction ledger port. `record` resolves only once both rows are committed, in one
 * transaction (possibly shared with concurrent calls); it rejects with DatabaseUnavailableError
 * when the database cannot be reached or does not answer in time (its `outcome` says whether
 * anything may have been stored). An entry the database refuses for itself (a value it cannot
 * store) fails alone, never the entries sharing its transaction.
 */
export abstract class PredictionLogRepository {
  abstract record(entry: NewPredictionRecord): Promise<StoredPrediction>;
  /**
   * Many predictions in one transaction. If the database refuses one entry for itself, the others
   * are stored one by one and that entry's outcome holds the error. Rejects with
   * DatabaseUnavailableError when the database is unavailable.
   */
  abstract recordMany(entries: readonly NewPredictionRecord[]): Promise<RecordOutcome[]>;
  abstract findById(id: number): Promise<PredictionRecord | null>;
  /** Newest first, at most `query.limit` records. */
  abstract list(query: PredictionQuery): Promise<PredictionRecord[]>;
  /** Deletes an input and, by the database's cascade, all its outputs; false when there was none. */
  abstract deleteInput(inputId: number): Promise<boolean>;
  /**
   * Deletes at most `limit` inputs created before `cutoff` (and, by cascade, what was derived from
   * them), oldest first; returns how many. Callers repeat until it returns less than `limit`.
   */
  abstract purgeInputsCreatedBefore(cutoff: Date, limit: number): Promise<number>;
}
