import { ValidateBy, ValidationOptions } from 'class-validator';
import { MAX_ROW_ID } from '@app/common';
import { FeatureProblem } from './feature-validation.error';

/**
 * How an id arrives: a JSON `number` in a body (`{"input_id": 7}`: a string, even "7", is
 * refused, as for every number of this API), or `text` in a path or query string, written as
 * decimal digits only ("0x1", "1e0", "+1", "1.0", " 1" and "07" are not ids).
 */
export type RowIdForm = 'number' | 'text';

/** What `parseRowId` says about an unusable value. */
export type RowIdProblem = 'missing' | 'repeated' | 'type' | 'integer' | 'range';

const DIGITS = /^\d+$/;

/**
 * The one way an id of a stored row enters the service: a whole number from 1 to MAX_ROW_ID (the
 * range of the PostgreSQL `integer` columns), or why `value` is none.
 */
export function parseRowId(value: unknown, form: RowIdForm): number | RowIdProblem {
  if (value === undefined) return 'missing';
  if (form === 'text') {
    if (Array.isArray(value)) return 'repeated';
    if (typeof value !== 'string') return 'type';
    if (!DIGITS.test(value) || (value.length > 1 && value.startsWith('0'))) return 'integer';
    // Eleven digits or more are out of range whatever they say; fewer convert exactly.
    if (value.length > 10) return 'range';
    return checkRange(Number(value));
  }
  if (typeof value !== 'number') return 'type';
  if (Number.isNaN(value)) return 'integer';
  if (!Number.isFinite(value)) return 'range';
  if (!Number.isInteger(value)) return 'integer';
  return checkRange(value);
}

function checkRange(id: number): number | 'range' {
  return id >= 1 && id <= MAX_ROW_ID ? id : 'range';
}

/** The problem with the id in field `name`, in a sentence that names the field, never the value. */
export function rowIdProblem(name: string, problem: RowIdProblem, form: RowIdForm, value?: unknown): FeatureProblem {
  return { feature: name, constraint: 'isRowId', message: rowIdMessage(name, problem, form, value) };
}

function rowIdMessage(name: string, problem: RowIdProblem, form: RowIdForm, value: unknown): string {
  if (problem === 'repeated') return `${name} must be given once`;
  // A path or query id is text: one sentence says what it must look like.
  if (form === 'text') return `${name} must be a whole number from 1 to ${MAX_ROW_ID}, in decimal digits`;
  switch (problem) {
    case 'missing':
      return `${name} is required: a whole number from 1 to ${MAX_ROW_ID}`;
    case 'type':
      return `${name} must be a JSON number, not ${jsonType(value)}`;
    case 'integer':
      return `${name} must be an integer`;
    case 'range':
      return typeof value === 'number' && value < 1 ? `${name} must be a positive integer` : `${name} is too large`;
  }
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * An id field of a body (`number`) or query (`text`) DTO, parsed by `parseRowId`. `message`
 * replaces the message of a text id (a cursor says what it should be instead).
 */
export function IsRowId(form: RowIdForm, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRowId',
      validator: {
        validate: (value) => typeof parseRowId(value, form) === 'number',
        defaultMessage: (args) => {
          const problem = parseRowId(args?.value, form);
          return rowIdProblem(args?.property ?? 'id', typeof problem === 'number' ? 'integer' : problem, form, args?.value).message;
        },
      },
    },
    options,
  );
}
