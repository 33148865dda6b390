import { AttritionServiceError } from '@app/common';

/** The database cannot be reached or refuses work for now; retrying later may succeed. */
export class DatabaseUnavailableError extends AttritionServiceError {}

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
