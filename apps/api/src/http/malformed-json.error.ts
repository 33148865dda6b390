/**
 * Nest turns body-parser's SyntaxError into a bare BadRequestException (routes-resolver.js,
 * mapExternalException); rewrapping it first lets the filter say "malformed JSON" explicitly.
 * The parser's own message can quote the body, so only the position it names is kept.
 */
export class MalformedJsonError extends Error {}

export function rewrapJsonSyntaxError(error: unknown, _req: unknown, _res: unknown, next: (e: unknown) => void): void {
  if (!(error instanceof SyntaxError)) return next(error);
  // body-parser rethrows V8's stack overflow on a very deep body as a SyntaxError.
  if (/call stack/i.test(error.message)) return next(new MalformedJsonError('the body is nested too deeply to be read'));
  const position = /position (\d+)/.exec(error.message)?.[1];
  const where = position === undefined ? '' : ` (at byte ${position})`;
  next(new MalformedJsonError(`the body is not valid JSON${where}`));
}
