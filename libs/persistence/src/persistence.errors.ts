import { AttritionServiceError } from '@app/common';

/**
 * What a failed write may have left behind: `not-stored` when known (nothing reached the
 * database, or the database answered that it rolled back), `unknown` when the statement was
 * sent and no answer came (a commit whose reply was lost stays committed).
 */
export type WriteOutcome = 'not-stored' | 'unknown';

/** The database cannot be reached or refuses work for now; retrying later may succeed. */
export class DatabaseUnavailableError extends AttritionServiceError {
  /** Set for writes only: whether anything may have been stored. */
  readonly outcome?: WriteOutcome;

  constructor(message: string, options: { cause?: unknown; outcome?: WriteOutcome } = {}) {
    super(message, { cause: options.cause });
    this.outcome = options.outcome;
  }
}

/** No prediction has this id. */
export class PredictionNotFoundError extends AttritionServiceError {
  constructor(readonly id: number | string) {
    super(`No prediction with id ${id}`);
  }
}

/** No input has this id. */
export class InputNotFoundError extends AttritionServiceError {
  constructor(readonly id: number | string) {
    super(`No input with id ${id}`);
  }
}

/** A migration failed: the schema is not what this version needs, so the service must not start. */
export class MigrationFailedError extends AttritionServiceError {}
