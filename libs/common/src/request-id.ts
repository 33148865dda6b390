import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What an incoming id may look like to be kept: a UUID, a trace id, a load balancer's id. */
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's id: the client's (or the load balancer's) `X-Request-Id` when it is short and of a
 * safe alphabet (it ends up in logs and answers), else a new UUID. Sent back on every answer and
 * kept as `request.id` (the app's first middleware calls this).
 */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && ACCEPTED_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader(REQUEST_ID_HEADER, id);
  (request as IncomingMessage & { id?: string }).id = id;
  return id;
}

/** The id assignRequestId gave the request. */
export function requestIdOf(request: IncomingMessage): string | undefined {
  const id = (request as IncomingMessage & { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * A handler parameter: the request's id, for the log lines written while serving it. Passed
 * explicitly rather than kept in an AsyncLocalStorage, whose promise hooks cost every request
 * 35-85 µs of CPU on Node 20 (docs/BENCHMARKS.md).
 */
export const RequestId = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  requestIdOf(context.switchToHttp().getRequest<IncomingMessage>()),
);
