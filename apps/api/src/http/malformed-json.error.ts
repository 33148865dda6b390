/**
 * Nest turns body-parser's SyntaxError into a bare BadRequestException (routes-resolver.js,
 * mapExternalException); rewrapping it first lets the filter say "malformed JSON" explicitly.
 */
export class MalformedJsonError extends Error {}

export function rewrapJsonSyntaxError(error: unknown, _req: unknown, _res: unknown, next: (e: unknown) => void): void {
  next(error instanceof SyntaxError ? new MalformedJsonError(error.message) : error);
}
