import { Injectable, PipeTransform } from '@nestjs/common';
import { FeatureValidationError } from '@app/validation';

/** The text of a row id: a positive integer that fits in a JavaScript number. */
export const POSITIVE_ID = /^[1-9]\d{0,15}$/;

/** A path id: a positive integer, or a 400 in the service's error format. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!POSITIVE_ID.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new FeatureValidationError([
        { feature: 'id', constraint: 'isPositiveInteger', message: `id must be a positive integer, got '${value}'` },
      ]);
    }
    return Number(value);
  }
}
