import { Inject, Injectable, Module, RequestMethod } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Request, Response } from 'express';
import { Logger, LoggerModule, PinoLogger as NestPinoLogger } from 'nestjs-pino';
import pino, { DestinationStream, Level, Logger as PinoLogger } from 'pino';
import { HttpLogger, pinoHttp } from 'pino-http';
import { AllConfig, appConfig, LogLevelName } from '../config';
import { traceFields, tracingEnabled } from '../tracing/tracing';
import { assignRequestId } from './request-id';

/** The process's pino logger, behind Nest's Logger and the HTTP access log alike. */
export const ROOT_LOGGER = Symbol('logging:root');
/** Where log lines go: standard output (tests replace it to read what would be printed). */
export const LOG_DESTINATION = Symbol('logging:destination');

const PINO_LEVELS: Record<LogLevelName, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
  trace: 'trace',
};

export interface RootLoggerSettings {
  logLevel: LogLevelName;
  logFile?: string;
  logFileLevel: LogLevelName;
}

/**
 * JSON lines: level as a name, ISO time, pid, hostname, `msg`; the trace and span ids of the
 * active span when tracing is on. With a log file, lines also go there at their own level.
 */
export function createRootLogger(settings: RootLoggerSettings, destination: DestinationStream): PinoLogger {
  const level = PINO_LEVELS[settings.logLevel];
  const options: pino.LoggerOptions = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...(tracingEnabled() ? { mixin: traceFields } : {}),
  };
  if (!settings.logFile) return pino(options, destination);
  const fileLevel = PINO_LEVELS[settings.logFileLevel];
  const file = pino.destination({ dest: settings.logFile, append: true, mkdir: true, sync: false });
  const lowest = pino.levels.values[level] <= pino.levels.values[fileLevel] ? level : fileLevel;
  return pino({ ...options, level: lowest }, pino.multistream([{ level, stream: destination }, { level: fileLevel, stream: file }]));
}

/**
 * One access line per request when its answer is sent (or the client goes away): method, matched
 * route, status, duration and request id. Never the URL's query, a header or a body.
 */
@Injectable()
export class HttpAccessLog {
  readonly middleware: HttpLogger<Request, Response>;

  constructor(@Inject(ROOT_LOGGER) logger: PinoLogger) {
    const line = (request: Request, response: Response, responseTime: number) => ({
      method: request.method,
      // The route's pattern (/predictions/:id), not the path: ids and queries stay out of the logs.
      route: (request.route as { path?: string } | undefined)?.path ?? 'unmatched',
      status: response.statusCode,
      duration_ms: responseTime,
      ...(response.writableFinished ? {} : { aborted: true }),
    });
    this.middleware = pinoHttp<Request, Response>({
      logger,
      genReqId: assignRequestId,
      quietReqLogger: true,
      quietResLogger: true,
      customAttributeKeys: { reqId: 'request_id' },
      // Nothing of the request or response object is serialised: only the fields of `line`.
      wrapSerializers: false,
      serializers: { req: () => undefined, res: () => undefined, err: () => undefined },
      customSuccessObject: (request, response, value: { responseTime: number }) => line(request, response, value.responseTime),
      customErrorObject: (request, response, _error, value: { responseTime: number }) => line(request, response, value.responseTime),
      customSuccessMessage: () => 'request completed',
      customErrorMessage: () => 'request failed',
      customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : 'info'),
    });
  }
}

@Module({
  providers: [
    { provide: LOG_DESTINATION, useFactory: () => pino.destination({ fd: 1, sync: false }) },
    {
      provide: ROOT_LOGGER,
      inject: [ConfigService, LOG_DESTINATION],
      useFactory: (config: ConfigService<AllConfig, true>, destination: DestinationStream) =>
        createRootLogger(config.getOrThrow('app', { infer: true }), destination),
    },
  ],
  exports: [ROOT_LOGGER],
})
class RootLoggerModule {}

/**
 * pino behind Nest's Logger (nestjs-pino), so that every `new Logger(Context)` line is JSON and,
 * while a request is served, carries its `request_id`; and the access log middleware, which
 * setupApp installs first so that even requests refused before routing are logged with an id.
 */
@Module({
  imports: [
    RootLoggerModule,
    LoggerModule.forRootAsync({
      imports: [RootLoggerModule],
      inject: [ROOT_LOGGER],
      useFactory: (logger: PinoLogger) => ({
        pinoHttp: { logger },
        // The pino-http middleware is HttpAccessLog's; nestjs-pino only binds its request logger.
        useExisting: true,
        forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
      }),
    }),
  ],
  providers: [HttpAccessLog],
  exports: [HttpAccessLog],
})
export class LoggingModule {}

/** Nest's Logger for a process without an application (the cluster primary): the same JSON lines. */
export function standaloneLogger(): Logger {
  const logger = createRootLogger(appConfig(), pino.destination({ fd: 1, sync: false }));
  return new Logger(new NestPinoLogger({ pinoHttp: { logger } }), {});
}
