import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { format } from 'node:util';
import { Logger, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';

/**
 * Tests assert behaviour, not log lines. The error and warning lines that Nest's Logger prints
 * while the tests provoke faults (a database cut, a refused row, a model unloaded) are expected:
 * they go to the run's file of expected log lines (TEST_QUIET_LOG_FILE, set by run-setup.ts; the
 * run's last lines name it), not to the terminal. TEST_LOG_LEVEL=debug prints them, and the log
 * and debug lines too, on the terminal when investigating.
 */
class FileLogger implements LoggerService {
  constructor(private readonly file: string) {}

  error(message: unknown, ...params: unknown[]): void {
    this.write('ERROR', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('WARN', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('FATAL', message, params);
  }
  log(): void {}

  private write(level: string, message: unknown, params: unknown[]): void {
    // Nest passes the context last, and for errors a stack before it.
    const context = params.length > 0 && typeof params.at(-1) === 'string' ? String(params.at(-1)) : '';
    const rest = params.slice(0, context ? -1 : undefined).filter((p) => p !== undefined).map((p) => (typeof p === 'string' ? p : format('%o', p)));
    const where = process.env.JEST_WORKER_ID ? `worker ${process.env.JEST_WORKER_ID}` : `pid ${process.pid}`;
    const text = [format('%s', message instanceof Error ? (message.stack ?? message) : message), ...rest].join('\n  ');
    appendFileSync(this.file, `${new Date().toISOString()} ${level} ${where} ${currentTest()}${context ? ` [${context}]` : ''} ${text}\n`);
  }
}

/**
 * The test file running. Not the test: a line can arrive after its test ended (a cut connection's
 * warning), while jest is on the next one.
 */
function currentTest(): string {
  const state = typeof expect === 'undefined' ? undefined : expect.getState();
  return state?.testPath ? relative(process.cwd(), state.testPath) : '';
}

const file = process.env.TEST_QUIET_LOG_FILE;
if (process.env.TEST_LOG_LEVEL === 'debug') {
  Logger.overrideLogger(['error', 'warn', 'log', 'debug']);
} else if (file) {
  const logger = new FileLogger(file);
  Logger.overrideLogger(logger);
  // Every compile() of a testing module puts its own logger in (TestingLogger, printing errors in
  // red) unless the builder was given one: give each builder ours.
  const create = Test.createTestingModule.bind(Test);
  Test.createTestingModule = (...args: Parameters<typeof Test.createTestingModule>) => create(...args).setLogger(logger);
} else {
  Logger.overrideLogger(['error', 'warn']);
}
