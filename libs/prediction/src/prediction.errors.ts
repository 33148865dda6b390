import { AttritionServiceError } from '@app/common';

/** The request DTO and the loaded model disagree on the feature names: the service must not start. */
export class FeatureMismatchError extends AttritionServiceError {}

/** A batch holds more items than the configured maximum. */
export class BatchTooLargeError extends AttritionServiceError {
  constructor(readonly limit: number, readonly size: number) {
    super(`A batch may hold at most ${limit} items; this one has ${size}`);
  }
}

/** An idempotency key already stored a prediction made from different features. */
export class IdempotencyKeyReusedError extends AttritionServiceError {
  constructor(keyName: string) {
    super(`${keyName} was already used for a prediction with different features; use a new key for a new request`);
  }
}
