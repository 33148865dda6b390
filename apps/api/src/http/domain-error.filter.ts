import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { badRequestBody, ErrorItemDto, ErrorResponseDto, RepeatedWarning, requestIdOf } from '@app/common';
import { ModelNotReadyError } from '@app/inference';
import { DatabaseUnavailableError, InputNotFoundError, PredictionNotFoundError } from '@app/persistence';
import { BatchTooLargeError, IdempotencyKeyReusedError } from '@app/prediction';
import { FeatureValidationError } from '@app/validation';
import { MalformedJsonError } from './malformed-json.error';

/** Seconds a client is asked to wait after a 503. */
export const RETRY_AFTER_SECONDS = '5';
/** An outage answers every request with 503: log it once per this interval, with a count. */
const OUTAGE_LOG_INTERVAL_MS = 10_000;

/** What a 503 says was stored, from DatabaseUnavailableError.outcome (none: a read). */
const UNAVAILABLE_DETAIL = {
  'not-stored': 'The database is unavailable; nothing was stored. Retry later.',
  unknown:
    'The database did not confirm the write in time: it may or may not have been stored. Retry with the same ' +
    'Idempotency-Key: a retry returns the stored answer or stores it exactly once.',
  read: 'The database is unavailable. Retry later.',
};

/**
 * Errors raised by body-parser before any route runs (http-errors: a 4xx `status`, and a `type`
 * except where it wraps a stream error, such as a body that is not in its declared gzip).
 */
interface BodyParserError {
  type?: string;
  status: number;
  limit?: number;
  message: string;
  /** Set by our own `verify` hooks: which check refused the body. */
  constraint?: string;
}

/**
 * Maps every error to one body shape: { statusCode, error, detail, errors?, request_id }. Domain
 * errors get their status here and nowhere else; anything unexpected is a 500 whose details stay
 * in the logs, under the same request id.
 */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(DomainErrorFilter.name);
  private readonly outage = new RepeatedWarning(this.logger, OUTAGE_LOG_INTERVAL_MS);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const requestId = requestIdOf(host.switchToHttp().getRequest<Request>());
    if (isHealthCheckFailure(exception)) {
      // Terminus's own body (status, info, error, details) is what probes and dashboards parse.
      response.status(exception.getStatus()).json({ ...(exception.getResponse() as object), request_id: requestId });
      return;
    }
    const { status, detail, errors, retry } = this.describe(exception, requestId);
    // Every 400 lists its problems, so clients parse one shape whatever went wrong.
    const body: ErrorResponseDto =
      status === 400
        ? badRequestBody(detail, errors ?? [{ feature: 'request', constraint: 'badRequest', message: detail }])
        : { statusCode: status, error: reasonPhrase(status), detail };
    if (retry) response.setHeader('Retry-After', RETRY_AFTER_SECONDS);
    response.status(status).json({ ...body, request_id: requestId });
  }

  private describe(exception: unknown, requestId: string | undefined): { status: number; detail: string; errors?: ErrorItemDto[]; retry?: boolean } {
    if (exception instanceof FeatureValidationError) {
      return { status: 400, detail: exception.message, errors: exception.problems };
    }
    if (exception instanceof BatchTooLargeError) {
      return { status: 413, detail: exception.message };
    }
    if (exception instanceof MalformedJsonError) {
      const detail = `Malformed JSON body: ${exception.message}`;
      return { status: 400, detail, errors: [{ feature: 'body', constraint: 'isJson', message: detail }] };
    }
    if (exception instanceof DatabaseUnavailableError) {
      this.outage.warn(exception.message);
      return { status: 503, detail: UNAVAILABLE_DETAIL[exception.outcome ?? 'read'], retry: true };
    }
    if (exception instanceof IdempotencyKeyReusedError) {
      return { status: 422, detail: exception.message };
    }
    if (exception instanceof ModelNotReadyError) {
      return { status: 503, detail: 'The model is not loaded yet. Retry later.', retry: true };
    }
    if (exception instanceof PredictionNotFoundError || exception instanceof InputNotFoundError) {
      return { status: 404, detail: exception.message };
    }
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const detail = Array.isArray(message) ? message.join('; ') : String(message);
      // Express quotes the undecodable text of a path parameter: say what is wrong without it.
      if (detail.startsWith('Failed to decode param')) return { status: 400, detail: 'The URL contains invalid percent-encoding' };
      return { status: exception.getStatus(), detail };
    }
    if (isBodyParserError(exception)) return describeBodyParserError(exception);
    this.logger.error({ request_id: requestId, msg: exception instanceof Error ? (exception.stack ?? exception.message) : String(exception) });
    return { status: 500, detail: 'Internal server error' };
  }
}

function isHealthCheckFailure(e: unknown): e is HttpException {
  if (!(e instanceof HttpException)) return false;
  const body = e.getResponse();
  return typeof body === 'object' && body !== null && 'details' in body && 'status' in body;
}

function isBodyParserError(e: unknown): e is BodyParserError {
  const status = typeof e === 'object' && e !== null ? (e as BodyParserError).status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** body-parser's errors, in words of our own (its messages can quote the body). */
function describeBodyParserError(e: BodyParserError): { status: number; detail: string; errors?: ErrorItemDto[] } {
  switch (e.type) {
    case 'entity.too.large':
      return { status: 413, detail: `Request body exceeds the limit of ${e.limit} bytes` };
    case 'encoding.unsupported':
      return { status: 415, detail: 'Unsupported Content-Encoding: send the body as identity, gzip, deflate or br' };
    case 'entity.verify.failed':
      // Our own checks before parsing (json-key-budget.ts, utf8-body.ts): the message names the cap or the byte.
      return { status: 400, detail: e.message, errors: [{ feature: 'body', constraint: e.constraint ?? 'maxKeys', message: e.message }] };
    case 'charset.unsupported':
      return { status: 415, detail: 'Unsupported charset: send the JSON body as UTF-8' };
    default:
      return { status: 400, detail: 'The request body could not be read (truncated, or not in its declared Content-Encoding)' };
  }
}

function reasonPhrase(status: number): string {
  const name = HttpStatus[status];
  return name ? name.toLowerCase().split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ') : 'Error';
}
