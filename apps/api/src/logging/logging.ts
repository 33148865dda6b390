import { LoggerService, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import pino, { DestinationStream, Level, Logger as PinoLogger } from 'pino';
import { AllConfig, appConfig, LogLevelName } from '../config';
import { traceFields, tracingEnabled } from '../tracing/tracing';

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
 * Nest's LoggerService on pino: every `new Logger(Context)` line is a JSON line with `context`; a
 * message that is an object gives its fields (`{ request_id, msg }`), an Error its `err`.
 *
 * Our own rather than nestjs-pino's: nestjs-pino's value is the request logger it keeps in an
 * AsyncLocalStorage, which on Node 20 turns on promise hooks for the whole process (35-85 µs of CPU
 * per request, docs/BENCHMARKS.md), and outside a request it logs through one process-wide logger,
 * the first one ever made. A line about one request names it itself (`request_id`, see RequestId).
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: PinoLogger) {}

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  /** Nest passes the context last; `error(message, stack, context)` also a stack before it. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const context = params.at(-1);
    if (typeof context === 'string') fields.context = context;
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level](Object.assign(fields, message));
    } else {
      if (level === 'error' && params.length > 1 && typeof params[0] === 'string') fields.stack = params[0];
      this.pino[level](fields, String(message));
    }
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
    { provide: PinoNestLogger, inject: [ROOT_LOGGER], useFactory: (root: PinoLogger) => new PinoNestLogger(root) },
  ],
  exports: [ROOT_LOGGER, PinoNestLogger],
})
export class LoggingModule {}

/**
 * Nest's Logger for a process without an HTTP application (the cluster primary, `npm run score`):
 * the same JSON lines, on standard output or (fd 2) standard error.
 */
export function standaloneLogger(fd: 1 | 2 = 1): PinoNestLogger {
  return new PinoNestLogger(createRootLogger(appConfig(), pino.destination({ fd, sync: false })));
}
