import { ValidateBy, ValidationOptions } from 'class-validator';
import { FeatureProblem, FeatureValidationError } from './feature-validation.error';

/**
 * The one way a date or a time enters the service, from a JSON body or a query string. Accepted,
 * and nothing else (the RFC 3339 profile of ISO 8601, extended format only):
 *
 * - a calendar date `YYYY-MM-DD`, read as midnight UTC;
 * - a date-time `YYYY-MM-DDTHH:MM`, with optional seconds `:SS` and fraction `.f` (1 to 9 digits,
 *   kept to the millisecond), and a zone: `Z` or an offset `+HH:MM` / `-HH:MM` (`T` and `Z` in
 *   either case, as RFC 3339 allows).
 *
 * Refused: week dates (`2026-W01`), ordinal dates (`2026-001`), the basic format (`20261101`), a
 * year or a month alone, a date-time without a zone (its meaning would depend on the server's time
 * zone), `24:00`, leap seconds, a comma before the fraction, days that do not exist (`2026-02-30`),
 * and instants outside the years 0001-9999 once the offset is applied. class-validator's
 * `IsISO8601` accepts most of these, and neither `Date` nor PostgreSQL reads them alike, hence a
 * parser of our own: a regular expression for the shape and `Date` arithmetic for the rest.
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2})))?$/;

/** What `parseTimestamp` says about an unusable value. */
export type TimestampProblem = 'missing' | 'repeated' | 'type' | 'format' | 'range';

/** Earliest and latest instants any date may name (four-digit years, as every engine reads them). */
export const EARLIEST_TIMESTAMP = new Date('0001-01-01T00:00:00.000Z');
export const LATEST_TIMESTAMP = new Date('9999-12-31T23:59:59.999Z');

/** The accepted forms, as messages and the docs name them. */
export const TIMESTAMP_FORMATS = 'a date (2026-11-01) or a date-time with a zone (2026-11-01T08:30:00Z)';

/**
 * A tighter window for one field: not before `earliest`, not more than `maxAheadMs` after the
 * server's clock at the time of the check.
 */
export interface TimestampRange {
  earliest: Date;
  maxAheadMs: number;
}

/** The instant `value` names, or why it names none. */
export function parseTimestamp(value: unknown): Date | TimestampProblem {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'repeated';
  if (typeof value !== 'string') return 'type';
  const match = TIMESTAMP.exec(value);
  if (!match) return 'format';
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', , sign, offsetHours = '0', offsetMinutes = '0'] = match;
  const numbers = [year, month, day, hour, minute, second, offsetHours, offsetMinutes].map(Number);
  const [y, mo, d, h, mi, s, oh, om] = numbers;
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) return 'format';
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  // Date rolls 2026-02-30 over to March 2: the day must exist in its month.
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return 'format';
  const offsetMs = (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  date.setUTCHours(h, mi, s, Number(fraction.padEnd(3, '0').slice(0, 3)));
  date.setTime(date.getTime() - offsetMs);
  if (date < EARLIEST_TIMESTAMP || date > LATEST_TIMESTAMP) return 'range';
  return date;
}

/** `value` as a Date, for a value already validated by IsTimestamp; FeatureValidationError otherwise. */
export function toTimestamp(value: unknown, name: string): Date {
  const date = parseTimestamp(value);
  if (typeof date === 'string') throw new FeatureValidationError([timestampProblem(name, date)]);
  return date;
}

/** Where `date` falls against `range` at `now`: inside (null), too early or too late. */
export function outOfRange(date: Date, range: TimestampRange, now = Date.now()): 'early' | 'late' | null {
  if (date < range.earliest) return 'early';
  if (date.getTime() > now + range.maxAheadMs) return 'late';
  return null;
}

/** The problem with the value of field `name`, in a sentence that names the field, never the value. */
export function timestampProblem(name: string, problem: TimestampProblem | 'early' | 'late', range?: TimestampRange): FeatureProblem {
  const messages: Record<typeof problem, string> = {
    missing: `${name} is required: ${TIMESTAMP_FORMATS}`,
    repeated: `${name} must be given once`,
    type: `${name} must be a string: ${TIMESTAMP_FORMATS}`,
    format: `${name} must be ${TIMESTAMP_FORMATS}`,
    range: `${name} must be between 0001-01-01 and 9999-12-31`,
    early: `${name} must not be before ${range ? describeInstant(range.earliest) : ''}`,
    late: `${name} must not be more than ${range ? describeDuration(range.maxAheadMs) : ''} ahead of the server's clock`,
  };
  return { feature: name, constraint: 'isTimestamp', message: messages[problem] };
}

/**
 * A date or date-time field, parsed by `parseTimestamp` and, with `range`, kept within it. The
 * DTO keeps the text; services read it with `toTimestamp`.
 */
export function IsTimestamp(range?: TimestampRange, options?: ValidationOptions): PropertyDecorator {
  const problemOf = (value: unknown): TimestampProblem | 'early' | 'late' | null => {
    const date = parseTimestamp(value);
    if (typeof date === 'string') return date;
    return range ? outOfRange(date, range) : null;
  };
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: (value) => problemOf(value) === null,
        // The clock may have moved between the check and the message: a late date stays late.
        defaultMessage: (args) => timestampProblem(args?.property ?? 'value', problemOf(args?.value) ?? 'late', range).message,
      },
    },
    options,
  );
}

function describeInstant(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

function describeDuration(ms: number): string {
  const hours = ms / 3_600_000;
  if (Number.isInteger(hours)) return hours === 1 ? '1 hour' : `${hours} hours`;
  const minutes = Math.round(ms / 60_000);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
