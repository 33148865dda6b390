import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What an incoming id may look like to be kept: a UUID, a trace id, a load balancer's id. */
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's id: the client's (or the load balancer's) `X-Request-Id` when it is short and of a
 * safe alphabet (it ends up in logs and answers), else a new UUID. Sent back on every answer.
 */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && ACCEPTED_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The id the access log middleware gave the request (`request.id`, see logging.ts). */
export function requestIdOf(request: IncomingMessage): string | undefined {
  const id = (request as IncomingMessage & { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
