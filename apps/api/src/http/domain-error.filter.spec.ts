import { ArgumentsHost, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { ModelNotReadyError } from '@app/inference';
import { DatabaseUnavailableError, PredictionNotFoundError } from '@app/persistence';
import { IdempotencyKeyReusedError } from '@app/prediction';
import { FeatureValidationError } from '@app/validation';
import { DomainErrorFilter } from './domain-error.filter';
import { MalformedJsonError } from './malformed-json.error';

const REQUEST_ID = '0b1c2d3e-request';

function respond(exception: unknown) {
  const response = { status: jest.fn(), json: jest.fn(), setHeader: jest.fn() };
  response.status.mockReturnValue(response);
  const host = { switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({ id: REQUEST_ID }) }) } as unknown as ArgumentsHost;
  new DomainErrorFilter().catch(exception, host);
  return { status: response.status.mock.calls[0][0], body: response.json.mock.calls[0][0], headers: response.setHeader.mock.calls };
}

describe('DomainErrorFilter', () => {
  it('maps validation errors to 400 with detail and one entry per problem', () => {
    const problems = [{ feature: 'age', constraint: 'min', message: 'age must not be less than 18' }];
    const { status, body } = respond(new FeatureValidationError(problems));
    expect(status).toBe(400);
    expect(body).toEqual({ statusCode: 400, error: 'Bad Request', detail: 'Invalid request: age must not be less than 18', errors: problems, request_id: REQUEST_ID });
  });

  it.each([
    [new DatabaseUnavailableError('ECONNREFUSED 127.0.0.1:5432'), /database is unavailable/],
    [new ModelNotReadyError(), /model is not loaded/],
  ])('maps %p to 503 with Retry-After, without internal details', (error, detail) => {
    const { status, body, headers } = respond(error);
    expect(status).toBe(503);
    expect(body.detail).toMatch(detail);
    expect(body.detail).not.toContain('5432');
    expect(headers).toEqual([['Retry-After', '5']]);
  });

  it.each([
    ['not-stored', 'The database is unavailable; nothing was stored. Retry later.'],
    ['unknown', expect.stringMatching(/^The database did not confirm the write in time: it may or may not have been stored\. Retry with the same Idempotency-Key/)],
    [undefined, 'The database is unavailable. Retry later.'],
  ] as const)('says what a failed write (%s) may have stored', (outcome, detail) => {
    expect(respond(new DatabaseUnavailableError('x', { outcome })).body.detail).toEqual(detail);
  });

  it('maps a reused idempotency key to 422', () => {
    expect(respond(new IdempotencyKeyReusedError('Idempotency-Key'))).toMatchObject({ status: 422, body: { error: 'Unprocessable Entity' } });
  });

  it('logs an outage once per interval with a count, not once per 503', () => {
    // Arrange: one filter answering many requests, as in the app
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const filter = new DomainErrorFilter();
    const response = { status: jest.fn().mockReturnThis(), json: jest.fn(), setHeader: jest.fn() };
    const host = { switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({ id: REQUEST_ID }) }) } as unknown as ArgumentsHost;
    // Act
    for (let i = 0; i < 100; i++) filter.catch(new DatabaseUnavailableError('ECONNREFUSED'), host);
    // Assert
    expect(response.status).toHaveBeenCalledTimes(100);
    expect(warned).toHaveBeenCalledTimes(1);
    warned.mockRestore();
  });

  it('maps a missing prediction to 404', () => {
    expect(respond(new PredictionNotFoundError(12))).toMatchObject({ status: 404, body: { detail: 'No prediction with id 12' } });
  });

  it('keeps the status of Nest HTTP exceptions, in the same body shape', () => {
    expect(respond(new NotFoundException('Cannot GET /x'))).toMatchObject({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', detail: 'Cannot GET /x' },
    });
  });

  it('names malformed JSON', () => {
    expect(respond(new MalformedJsonError('Unexpected token'))).toMatchObject({ status: 400, body: { detail: 'Malformed JSON body: Unexpected token' } });
  });

  it('maps an oversized body to 413 naming the limit', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413, limit: 102400 });
    expect(respond(tooLarge)).toMatchObject({ status: 413, body: { detail: 'Request body exceeds the limit of 102400 bytes' } });
  });

  it('hides unexpected errors behind a generic 500, and logs them', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { status, body } = respond(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(status).toBe(500);
    expect(body).toEqual({ statusCode: 500, error: 'Internal Server Error', detail: 'Internal server error', request_id: REQUEST_ID });
    expect(logged).toHaveBeenCalledWith({ request_id: REQUEST_ID, msg: expect.stringContaining("TypeError: Cannot read properties of undefined (reading 'x')") });
    logged.mockRestore();
  });
});

describe('DomainErrorFilter and health checks', () => {
  it("passes terminus's failed health check body through, adding the request id", () => {
    const health = { status: 'error', info: {}, error: { database: { status: 'down' } }, details: { database: { status: 'down' } } };
    const { status, body } = respond(new ServiceUnavailableException(health));
    expect(status).toBe(503);
    expect(body).toEqual({ ...health, request_id: REQUEST_ID });
  });
});
