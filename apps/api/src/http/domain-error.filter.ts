import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { Response } from 'express';
import { badRequestBody, ErrorItemDto, ErrorResponseDto } from '@app/common';
import { ModelNotReadyError } from '@app/inference';
import { DatabaseUnavailableError, InputNotFoundError, PredictionNotFoundError } from '@app/persistence';
import { BatchTooLargeError } from '@app/prediction';
import { FeatureValidationError } from '@app/validation';
import { MalformedJsonError } from './malformed-json.error';

/** Seconds a client is asked to wait after a 503. */
export const RETRY_AFTER_SECONDS = '5';

/** Errors raised by body-parser before any route runs (http-errors with a `type`). */
interface BodyParserError {
  type: string;
  status: number;
  limit?: number;
  message: string;
}

/**
 * Maps every error to one body shape: { statusCode, error, detail, errors? }. Domain errors get
 * their status here and nowhere else; anything unexpected is a 500 whose details stay in the logs.
 */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(DomainErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (isHealthCheckFailure(exception)) {
      // Terminus's own body (status, info, error, details) is what probes and dashboards parse.
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const { status, detail, errors, retry } = this.describe(exception);
    const body: ErrorResponseDto = errors ? badRequestBody(detail, errors) : { statusCode: status, error: reasonPhrase(status), detail };
    if (retry) response.setHeader('Retry-After', RETRY_AFTER_SECONDS);
    response.status(status).json(body);
  }

  private describe(exception: unknown): { status: number; detail: string; errors?: ErrorItemDto[]; retry?: boolean } {
    if (exception instanceof FeatureValidationError) {
      return { status: 400, detail: exception.message, errors: exception.problems };
    }
    if (exception instanceof BatchTooLargeError) {
      return { status: 413, detail: exception.message };
    }
    if (exception instanceof MalformedJsonError) {
      return { status: 400, detail: `Malformed JSON body: ${exception.message}` };
    }
    if (exception instanceof DatabaseUnavailableError) {
      this.logger.warn(exception.message);
      return { status: 503, detail: 'The database is unavailable; nothing was stored. Retry later.', retry: true };
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
      return { status: exception.getStatus(), detail: Array.isArray(message) ? message.join('; ') : String(message) };
    }
    if (isBodyParserError(exception)) return describeBodyParserError(exception);
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { status: 500, detail: 'Internal server error' };
  }
}

function isHealthCheckFailure(e: unknown): e is HttpException {
  if (!(e instanceof HttpException)) return false;
  const body = e.getResponse();
  return typeof body === 'object' && body !== null && 'details' in body && 'status' in body;
}

function isBodyParserError(e: unknown): e is BodyParserError {
  return typeof e === 'object' && e !== null && typeof (e as BodyParserError).type === 'string' &&
    typeof (e as BodyParserError).status === 'number';
}

function describeBodyParserError(e: BodyParserError): { status: number; detail: string } {
  switch (e.type) {
    case 'entity.too.large':
      return { status: 413, detail: `Request body exceeds the limit of ${e.limit} bytes` };
    default:
      return { status: e.status >= 400 && e.status < 500 ? e.status : 400, detail: e.message };
  }
}

function reasonPhrase(status: number): string {
  const name = HttpStatus[status];
  return name ? name.toLowerCase().split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ') : 'Error';
}
