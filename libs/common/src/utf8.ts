import { isUtf8 } from 'node:buffer';

/**
 * Offset of the first byte of `bytes` that does not belong to a well-formed UTF-8 character (the
 * start of the bad sequence: a stray continuation byte, an overlong form, a surrogate, a code point
 * above U+10FFFF, or a sequence cut short), or -1 when all of it is UTF-8. Decoding such bytes
 * with Buffer#toString or TextDecoder silently turns them into U+FFFD; callers use this to refuse
 * them instead, naming where they are. Valid input costs one native `isUtf8` pass.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  if (isUtf8(bytes)) return -1;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Continuation bytes after the lead, and the range of the first one (RFC 3629, table 3-7 of Unicode).
    let following: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) following = 1;
    else if (lead >= 0xe0 && lead <= 0xef) following = 2;
    else if (lead >= 0xf0 && lead <= 0xf4) following = 3;
    else return i;
    if (lead === 0xe0) low = 0xa0; // overlong
    else if (lead === 0xed) high = 0x9f; // UTF-16 surrogates
    else if (lead === 0xf0) low = 0x90; // overlong
    else if (lead === 0xf4) high = 0x8f; // above U+10FFFF
    for (let k = 1; k <= following; k++) {
      const byte = i + k < n ? bytes[i + k] : -1;
      if (k === 1 ? byte < low || byte > high : byte < 0x80 || byte > 0xbf) return i;
    }
    i += following + 1;
  }
  // isUtf8 and this scan disagree only if one of them is wrong; trust the native check.
  return n;
}
