import { Injectable, PipeTransform } from '@nestjs/common';
import { MAX_ROW_ID } from '@app/persistence';
import { FeatureProblem, FeatureValidationError } from '@app/validation';

// Decimal digits only, as written: "0x1", "1e0", "+1", "1.0" and " 1" are not ids.
const DIGITS = /^[1-9]\d{0,9}$/;

/** A row id from its raw text, or the problem with it (named after `name`). */
export function parseRowId(text: unknown, name: string): number | FeatureProblem {
  if (typeof text === 'string' && DIGITS.test(text) && Number(text) <= MAX_ROW_ID) return Number(text);
  return { feature: name, constraint: 'isRowId', message: `${name} must be a whole number from 1 to ${MAX_ROW_ID}, in decimal digits` };
}

/** A path id: validated as the text the client sent, before any conversion, or a 400. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = parseRowId(value, 'id');
    if (typeof id !== 'number') throw new FeatureValidationError([id]);
    return id;
  }
}
