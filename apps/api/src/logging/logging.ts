import { Inject, Injectable, Module, RequestMethod } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NextFunction, Request, Response } from 'express';
import { Logger, LoggerModule, PinoLogger as NestPinoLogger } from 'nestjs-pino';
import pino, { DestinationStream, Level, Logger as PinoLogger } from 'pino';
import { AllConfig, appConfig, LogLevelName } from '../config';
import { traceFields, tracingEnabled } from '../tracing/tracing';
import { EVERY_PATH, matchedRoute } from '../http/matched-route';
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

/** What the access line and nestjs-pino read from a request: its id and its logger. */
type LoggedRequest = Request & { id?: string; log?: PinoLogger };

/**
 * One access line per request when its answer is sent (or the client goes away): method, matched
 * route, status, duration and request id. Never the URL's query, a header or a body. It also gives
 * the request its id (X-Request-Id) and its child logger (`request.log`, bound by nestjs-pino to
 * every line logged while the request is served).
 *
 * Written here rather than with pino-http (which nestjs-pino still loads): pino-http builds a
 * second child logger per request for its request serialiser even when told to stay quiet, and
 * cost about 3 times as much CPU per request as this (scripts/log-line-cost.js).
 */
@Injectable()
export class HttpAccessLog {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: PinoLogger) {}

  readonly middleware = (request: LoggedRequest, response: Response, next: NextFunction): void => {
    const started = performance.now();
    const id = assignRequestId(request, response);
    const log = this.logger.child({ request_id: id });
    request.id = id;
    request.log = log;
    const done = () => {
      response.off('finish', done);
      response.off('close', done);
      const level = response.statusCode >= 500 ? 'error' : 'info';
      if (!log.isLevelEnabled(level)) return;
      log[level](
        {
          method: request.method,
          route: matchedRoute(request),
          status: response.statusCode,
          duration_ms: Math.round((performance.now() - started) * 10) / 10,
          ...(response.writableFinished ? {} : { aborted: true }),
        },
        'request completed',
      );
    };
    response.on('finish', done);
    response.on('close', done);
    next();
  };
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
        // The access log middleware is HttpAccessLog; nestjs-pino only binds its `request.log`.
        useExisting: true,
        forRoutes: [{ path: EVERY_PATH, method: RequestMethod.ALL }],
      }),
    }),
  ],
  providers: [HttpAccessLog],
  exports: [HttpAccessLog],
})
export class LoggingModule {}

/**
 * Nest's Logger for a process without an HTTP application (the cluster primary, `npm run score`):
 * the same JSON lines, on standard output or (fd 2) standard error.
 */
export function standaloneLogger(fd: 1 | 2 = 1): Logger {
  const logger = createRootLogger(appConfig(), pino.destination({ fd, sync: false }));
  return new Logger(new NestPinoLogger({ pinoHttp: { logger } }), {});
}
