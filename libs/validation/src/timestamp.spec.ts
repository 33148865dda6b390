import fc from 'fast-check';
import { outOfRange, parseTimestamp, timestampProblem, toTimestamp } from './timestamp';
import { FeatureValidationError } from './feature-validation.error';
import { propertyRuns } from '../../../test/support/test-settings';

describe('parseTimestamp', () => {
  it.each([
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T08:30Z', '2026-11-01T08:30:00.000Z'],
    ['2026-11-01T08:30:15Z', '2026-11-01T08:30:15.000Z'],
    ['2026-11-01t08:30:15z', '2026-11-01T08:30:15.000Z'],
    ['2026-11-01T08:30:15.5+01:00', '2026-11-01T07:30:15.500Z'],
    ['2026-11-01T08:30:15.123456789-05:30', '2026-11-01T14:00:15.123Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['0001-01-01', '0001-01-01T00:00:00.000Z'],
    ['0050-06-01', '0050-06-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %s as %s', (text, iso) => {
    // Act
    const date = parseTimestamp(text);

    // Assert
    expect(date).toBeInstanceOf(Date);
    expect((date as Date).toISOString()).toBe(iso);
  });

  it.each([
    ['2026-W01', 'format'],
    ['2026-W01-1', 'format'],
    ['2026-001', 'format'],
    ['20261101', 'format'],
    ['2026', 'format'],
    ['2026-11', 'format'],
    ['2026-11-01T08:30', 'format'],
    ['2026-11-01T08:30:00', 'format'],
    ['2026-11-01 08:30:00Z', 'format'],
    ['2026-11-01T24:00:00Z', 'format'],
    ['2026-11-01T23:59:60Z', 'format'],
    ['2026-11-01T10:00:00,5Z', 'format'],
    ['2026-11-01T10:00:00.1234567890Z', 'format'],
    ['2026-11-01T10:00:00+0100', 'format'],
    ['2026-11-01T10:00:00+24:00', 'format'],
    ['2026-02-30', 'format'],
    ['2025-02-29', 'format'],
    ['2026-13-01', 'format'],
    ['2026-00-10', 'format'],
    ['+002026-11-01', 'format'],
    [' 2026-11-01', 'format'],
    ['2026-11-01\n', 'format'],
    ['２０２６-11-01', 'format'],
    ['', 'format'],
    ['yesterday', 'format'],
    ['0000-12-31', 'range'],
    ['0001-01-01T00:00:00+00:01', 'range'],
    ['9999-12-31T23:59:59-00:01', 'range'],
    [undefined, 'missing'],
    [['2026-11-01', '2026-11-02'], 'repeated'],
    [20261101, 'type'],
    [null, 'type'],
    [{ toString: () => '2026-11-01' }, 'type'],
  ])('refuses %p (%s)', (value, problem) => {
    expect(parseTimestamp(value)).toBe(problem);
  });

  it('reads every instant of the years 0001-9999 written by toISOString back as itself', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (date) => {
        expect((parseTimestamp(date.toISOString()) as Date).getTime()).toBe(date.getTime());
      }),
    );
  });

  it('agrees with Date.parse on every date-time it accepts, and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), isoLike()), (text) => {
        const date = parseTimestamp(text);
        if (date instanceof Date && /[zZ]|[+-]\d\d:\d\d$/.test(text)) expect(date.getTime()).toBe(Date.parse(text.toUpperCase()));
      }),
      { numRuns: propertyRuns(2000) },
    );
  });
});

describe('outOfRange', () => {
  const range = { earliest: new Date('1970-01-01T00:00:00Z'), maxAheadMs: 86_400_000 };
  const now = Date.parse('2026-06-30T12:00:00Z');

  it.each([
    ['1969-12-31T23:59:59.999Z', 'early'],
    ['1970-01-01', null],
    ['2026-07-01T12:00:00Z', null],
    ['2026-07-01T12:00:00.001Z', 'late'],
    ['9999-12-31', 'late'],
    ['1900-01-01', 'early'],
  ])('%s is %p', (text, expected) => {
    expect(outOfRange(parseTimestamp(text) as Date, range, now)).toBe(expected);
  });

  it('names the bound in the message, never the value', () => {
    expect(timestampProblem('observed_at', 'early', range).message).toBe('observed_at must not be before 1970-01-01');
    expect(timestampProblem('observed_at', 'late', range).message).toBe("observed_at must not be more than 24 hours ahead of the server's clock");
  });
});

describe('toTimestamp', () => {
  it('throws a validation error naming the field, never an Invalid Date', () => {
    expect(() => toTimestamp('2026-W01', 'from')).toThrow(FeatureValidationError);
    expect(() => toTimestamp('2026-W01', 'from')).toThrow('from must be a date (2026-11-01) or a date-time with a zone (2026-11-01T08:30:00Z)');
  });
});

/** Strings shaped like dates, with their parts mutated: where a parser's mistakes hide. */
function isoLike(): fc.Arbitrary<string> {
  const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
  const part = (n: number) => fc.oneof(digits(n), digits(n - 1), digits(n + 1));
  return fc
    .tuple(
      part(4),
      part(2),
      part(2),
      fc.option(fc.tuple(fc.constantFrom('T', 't', ' '), part(2), part(2), fc.option(part(2)), fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 11 })))),
      fc.constantFrom('', 'Z', 'z', '+01:00', '-23:59', '+24:00', '+0100', '+01'),
    )
    .map(([y, m, d, time, zone]) => {
      const clock = time ? `${time[0]}${time[1]}:${time[2]}${time[3] === null ? '' : `:${time[3]}`}${time[4] === null ? '' : `.${time[4]}`}` : '';
      return `${y}-${m}-${d}${clock}${zone}`;
    });
}
