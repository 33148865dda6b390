import { FeatureValidationError } from '@app/validation';

/** Letters, digits and `. _ : -`, 8 to 128 characters: a UUID fits, and `#` stays free for batch item keys. */
const KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The idempotency key sent as `name` (the header, or a batch item's field), or undefined when
 * absent; a malformed one is a 400 naming `name`.
 */
export function parseIdempotencyKey(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && KEY.test(value)) return value;
  throw new FeatureValidationError([
    {
      feature: name,
      constraint: 'idempotencyKey',
      message: `${name} must be 8 to 128 characters, each a letter, a digit or one of . _ : -`,
    },
  ]);
}

/** Whether a replayed prediction was made from these same features (key order aside). */
export function sameFeatures(stored: Record<string, unknown>, sent: Record<string, unknown>): boolean {
  const keys = Object.keys(sent);
  return Object.keys(stored).length === keys.length && keys.every((k) => Object.is(stored[k], sent[k]));
}
