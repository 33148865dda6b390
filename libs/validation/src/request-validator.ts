import { Inject, Injectable, Type, ValidationPipe } from '@nestjs/common';
import { createValidationPipe, FeatureValidationOptions } from './validation-pipe.factory';

export const VALIDATION_OPTIONS = Symbol('validation:options');

/**
 * The one configured ValidationPipe: the app installs it globally, and batch endpoints call
 * `validate` item by item so each item gets the same checks and error format as a single request.
 */
@Injectable()
export class RequestValidator {
  readonly pipe: ValidationPipe;

  constructor(@Inject(VALIDATION_OPTIONS) options: FeatureValidationOptions) {
    this.pipe = createValidationPipe(options);
  }

  /** The validated, transformed instance; rejects with FeatureValidationError. */
  validate<T>(metatype: Type<T>, value: unknown): Promise<T> {
    return this.pipe.transform(value, { type: 'body', metatype });
  }
}
