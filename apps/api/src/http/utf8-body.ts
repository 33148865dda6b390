import { IncomingMessage, ServerResponse } from 'node:http';
import { firstInvalidUtf8 } from '@app/common';

/** body-parser's `verify` hook: (request, response, raw body, the charset it will decode with). */
export type BodyVerifier = (request: IncomingMessage, response: ServerResponse, body: Buffer, encoding: string) => void;

/**
 * body-parser's `verify` hook: refuses a UTF-8 body (the JSON default) that holds a byte sequence
 * which is not UTF-8, naming its byte offset. body-parser decodes with replacement, so without this
 * a Windows-1252 `é` would be validated and stored as U+FFFD. The error carries status 400 and
 * `constraint: 'utf8'`; the error filter answers with its message. Bodies declared in another
 * charset (`charset=utf-16`) are left to body-parser.
 */
export function requireUtf8(_request: IncomingMessage, _response: ServerResponse, body: Buffer, encoding: string): void {
  if (!/^utf-?8$/i.test(encoding)) return;
  const at = firstInvalidUtf8(body);
  if (at === -1) return;
  throw Object.assign(new Error(`The body is not valid UTF-8 (byte offset ${at}); send it encoded as UTF-8`), { status: 400, constraint: 'utf8' });
}

/** Runs each verifier in turn: the first that throws refuses the body. */
export function verifyAll(...verifiers: BodyVerifier[]): BodyVerifier {
  return (request, response, body, encoding) => {
    for (const verify of verifiers) verify(request, response, body, encoding);
  };
}
