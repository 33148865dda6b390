import { NestApplicationOptions, UnsupportedMediaTypeException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestExpressApplication } from '@nestjs/platform-express';
import { json, NextFunction, Request, Response } from 'express';
import { Server } from 'node:http';
import { CSV_CONTENT_TYPE_REQUIRED } from '@app/prediction';
import { RequestValidator } from '@app/validation';
import { AllConfig } from './config';
import { serveConsole } from './console/serve-console';
import { capConnectionsPerClient } from './http/client-connection-cap';
import { DomainErrorFilter } from './http/domain-error.filter';
import { jsonKeyBudget } from './http/json-key-budget';
import { rewrapJsonSyntaxError } from './http/malformed-json.error';
import { requireUtf8, verifyAll } from './http/utf8-body';
import { CsvJobLimits } from './http/csv-job-limits';
import { RateLimits } from './http/rate-limits';
import { RequestObserver } from './http/request-observer';
import { PinoNestLogger } from './logging/logging';
import { securityHeaders } from './http/security-headers';
import { setupSwagger } from './swagger';
import { httpTracing, tracedBodyPipe } from './tracing/http-tracing';
import { tracingEnabled } from './tracing/tracing';

/** Options for NestFactory.create and Test's createNestApplication alike. */
export const NEST_APP_OPTIONS: NestApplicationOptions = {
  // Our own JSON parser (with its size limit) is registered in setupApp.
  bodyParser: false,
  // Let main.ts report a failed boot and exit non-zero instead of aborting the process.
  abortOnError: false,
  bufferLogs: true,
};

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** Property names in one /predict body: it has about 45 (27 features, 16 legacy ones, a few more). */
const MAX_KEYS_PER_PREDICTION = 1_000;
/** Property names in any other non-batch body: a 1,000-item outcome list has 3,001. */
const MAX_KEYS_PER_BODY = 5_000;

/** Everything main.ts applies to the app, shared with the tests so that both run the same stack. */
export function setupApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const settings = config.getOrThrow('app', { infer: true });
  // JSON lines through pino (logging/logging.ts); the lines buffered during start-up go there too.
  app.useLogger(app.get(PinoNestLogger));
  const http = config.getOrThrow('http', { infer: true });
  // Who the client is behind a load balancer (request.ip, used by the rate limits); off by default.
  app.set('trust proxy', http.trustProxy);
  limitConnections(app, http);
  // Every answer is unique (ids), so an ETag is a wasted hash per response; the header leaks the stack.
  app.set('etag', false);
  app.disable('x-powered-by');
  // First the trace context (when tracing is on), then the request id, access line and timing:
  // requests rejected early (413, 415, 429, malformed JSON) are traced, logged and timed too.
  if (tracingEnabled()) app.use(httpTracing());
  app.use(app.get(RequestObserver).middleware);
  app.use(securityHeaders());
  app.use(app.get(RateLimits).middleware);
  // After the rate limits: a file they refuse takes no slot.
  app.use(CSV_ROUTE, app.get(CsvJobLimits).middleware);
  app.use(requireJsonBody);
  // Batches get their own, larger limit; the general parser then skips the already-parsed body.
  // Every JSON body must be UTF-8 (a 400 naming the first bad byte, never U+FFFD stored).
  app.use('/predict/batch', json({ limit: settings.batchBodyLimit, verify: requireUtf8 }));
  // Batches are bounded item by item after parsing; every other body has a key budget before it.
  app.use('/predict', json({ limit: settings.bodyLimit, verify: verifyAll(requireUtf8, jsonKeyBudget(MAX_KEYS_PER_PREDICTION)) }));
  app.useBodyParser('json', { limit: settings.bodyLimit, verify: verifyAll(requireUtf8, jsonKeyBudget(MAX_KEYS_PER_BODY)) });
  app.use(rewrapJsonSyntaxError);
  app.useGlobalPipes(tracedBodyPipe(app.get(RequestValidator)));
  app.useGlobalFilters(new DomainErrorFilter());
  serveConsole(app);
  setupSwagger(app);
  return app;
}

/**
 * Slow or idle clients cannot hold connections for long: headers within `headersTimeoutMs`, the
 * whole request within `requestTimeoutMs` (checked every second instead of Node's 30 s), idle
 * keep-alive connections closed after `keepAliveTimeoutMs`, at most `maxConnections` at once and
 * `maxConnectionsPerClient` from one client (trusted proxies excepted). After `trust proxy` is set.
 */
function limitConnections(app: NestExpressApplication, http: AllConfig['http']): void {
  const server: Server = app.getHttpServer();
  // Express's compiled `trust proxy` (proxy-addr), so that the exemption matches request.ip's rule exactly.
  const trusted = app.getHttpAdapter().getInstance().get('trust proxy fn') as (address: string, hop: number) => boolean;
  capConnectionsPerClient(server, { maxPerClient: http.maxConnectionsPerClient, exempt: (address) => trusted(address, 0) });
  server.headersTimeout = http.headersTimeoutMs;
  server.requestTimeout = http.requestTimeoutMs;
  server.keepAliveTimeout = http.keepAliveTimeoutMs;
  server.maxConnections = http.maxConnections;
  // Read by Node when the server starts listening (documented as a createServer option).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = 1000;
}

/** The one route that reads CSV (streamed by its controller; no body parser touches it). */
const CSV_ROUTE = '/predict/csv';

/**
 * A request with a body must declare it as JSON (CSV for CSV_ROUTE); anything else is a 415 naming
 * the accepted type.
 */
function requireJsonBody(request: Request, _response: Response, next: NextFunction): void {
  if (BODY_METHODS.has(request.method) && request.path.replace(/\/+$/, '').toLowerCase() === CSV_ROUTE) {
    const csv = request.is('text/csv') !== false;
    next(csv ? undefined : new UnsupportedMediaTypeException(CSV_CONTENT_TYPE_REQUIRED));
    return;
  }
  // `is` answers null when there is no body at all: the route then reports what is missing.
  if (BODY_METHODS.has(request.method) && request.is(['application/json', 'application/*+json']) === false) {
    next(new UnsupportedMediaTypeException('The request body must be JSON, sent with "Content-Type: application/json"'));
    return;
  }
  next();
}
