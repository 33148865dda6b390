import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { firstInvalidUtf8 } from './utf8';

describe('firstInvalidUtf8', () => {
  it.each([
    ['ASCII', [0x61, 0x62], -1],
    ['é and an emoji', [...Buffer.from('é😀')], -1],
    ['a lone continuation byte', [0x61, 0x80, 0x62], 1],
    ['Latin-1 é (Divorcé in Windows-1252)', [...Buffer.from('Divorc'), 0xe9, 0x28, 0x65, 0x29], 6],
    ['an overlong slash', [0x61, 0xc0, 0xaf], 1],
    ['an overlong 3-byte form', [0xe0, 0x80, 0xaf], 0],
    ['a UTF-16 surrogate', [0x61, 0x61, 0xed, 0xa0, 0x80], 2],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a sequence cut short by the end', [0x61, 0xe2, 0x82], 1],
    ['a sequence cut short by ASCII', [0xe2, 0x82, 0x41], 0],
    ['0xFF', [0x30, 0x31, 0x32, 0xff], 3],
  ])('%s', (_, bytes, expected) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(expected);
  });

  it('agrees with the WHATWG decoder: the bytes before the offset decode, the sequence at it does not', () => {
    // Bytes biased towards the interesting ranges: ASCII, continuation bytes and lead bytes
    const byte = fc.oneof(fc.integer({ min: 0x20, max: 0x7f }), fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 0xc0, max: 0xff }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 40 }), (array) => {
        const bytes = Uint8Array.from(array);
        const at = firstInvalidUtf8(bytes);
        if (at === -1) return isUtf8(bytes);
        const prefixDecodes = isUtf8(bytes.subarray(0, at));
        const noCharacterStartsThere = [1, 2, 3, 4].every((length) => at + length > bytes.length || !isUtf8(bytes.subarray(at, at + length)));
        return !isUtf8(bytes) && prefixDecodes && noCharacterStartsThere;
      }),
      { seed: 19, numRuns: 5000 },
    );
  });
});
