import fc from 'fast-check';
import { MAX_ROW_ID } from '@app/common';
import { parseRowId, rowIdProblem } from './row-id';
import { propertyRuns } from '../../../test/support/test-settings';

describe('parseRowId', () => {
  it.each([
    [1, 1],
    [MAX_ROW_ID, MAX_ROW_ID],
    [0, 'range'],
    [-1, 'range'],
    [-0, 'range'],
    [MAX_ROW_ID + 1, 'range'],
    [Number.MAX_SAFE_INTEGER + 2, 'range'],
    [Infinity, 'range'],
    [1.5, 'integer'],
    [NaN, 'integer'],
    ['1', 'type'],
    [null, 'type'],
    [true, 'type'],
    [[1], 'type'],
    [{}, 'type'],
    [undefined, 'missing'],
  ])('reads the JSON value %p as %p', (value, expected) => {
    expect(parseRowId(value, 'number')).toBe(expected);
  });

  it.each([
    ['1', 1],
    [String(MAX_ROW_ID), MAX_ROW_ID],
    ['0', 'range'],
    [String(MAX_ROW_ID + 1), 'range'],
    ['9007199254740993', 'range'],
    ['9'.repeat(400), 'range'],
    ['-1', 'integer'],
    ['+1', 'integer'],
    ['1.0', 'integer'],
    ['1e0', 'integer'],
    ['0x1', 'integer'],
    [' 1', 'integer'],
    ['07', 'integer'],
    ['', 'integer'],
    ['١', 'integer'],
    [['1', '2'], 'repeated'],
    [undefined, 'missing'],
  ])('reads the text %p as %p', (value, expected) => {
    expect(parseRowId(value, 'text')).toBe(expected);
  });

  it('gives distinct messages for a wrong type, a fraction and each end of the range, naming the field', () => {
    const message = (value: unknown) => rowIdProblem('input_id', parseRowId(value, 'number') as never, 'number', value).message;
    expect(message('1')).toBe('input_id must be a JSON number, not a string');
    expect(message(null)).toBe('input_id must be a JSON number, not null');
    expect(message(undefined)).toBe(`input_id is required: a whole number from 1 to ${MAX_ROW_ID}`);
    expect(message(1.5)).toBe('input_id must be an integer');
    expect(message(0)).toBe('input_id must be a positive integer');
    expect(message(MAX_ROW_ID + 1)).toBe('input_id is too large');
    expect(rowIdProblem('id', 'range', 'text').message).toBe(`id must be a whole number from 1 to ${MAX_ROW_ID}, in decimal digits`);
  });

  it('accepts exactly the decimal texts of 1 to MAX_ROW_ID, as the numbers they write', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer({ min: -10, max: MAX_ROW_ID + 10 }).map(String), fc.bigInt().map(String)), (text) => {
        const id = parseRowId(text, 'text');
        const expected = /^[1-9]\d*$/.test(text) && BigInt(text) <= BigInt(MAX_ROW_ID);
        expect(typeof id === 'number').toBe(expected);
        if (typeof id === 'number') expect(String(id)).toBe(text);
      }),
      { numRuns: propertyRuns(2000) },
    );
  });
});
