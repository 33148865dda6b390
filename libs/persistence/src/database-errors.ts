import { DatabaseUnavailableError, WriteOutcome } from './persistence.errors';

// Socket-level failures, PostgreSQL SQLSTATE classes 08 (connection exception), 57P (operator
// intervention: shutdown, restart), 57014 (cancelled by statement_timeout), 53 (insufficient
// resources: disk full, out of memory, too many connections), 25006 (read-only transaction: a
// standby or a read-only database), and SQLite codes that mean "try again later" rather than
// "your query is wrong".
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY)/;
const PG_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection timeout|Query read timeout/i;

/** Whether an error thrown by the driver means the database is unavailable (as opposed to a bug). */
export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; driverError?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.driverError && e.driverError !== e && isUnavailable(e.driverError)) return true;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  return (
    NETWORK_CODES.has(code) ||
    code.startsWith('08') ||
    code.startsWith('57P') ||
    code === '57014' ||
    code.startsWith('53') ||
    code === '25006' ||
    SQLITE_TRANSIENT.test(code) ||
    PG_MESSAGES.test(message)
  );
}

/** The driver's error code (SQLSTATE, SQLITE_*, errno), also when TypeORM wrapped the error. */
export function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * `error` as DatabaseUnavailableError when it means the database is unavailable, with what a
 * failed write may have left behind (`outcome`; none for reads); otherwise `error` itself.
 */
export function serviceError(error: unknown, outcome?: WriteOutcome): unknown {
  if (!isUnavailable(error)) return error;
  return new DatabaseUnavailableError(`The database is unavailable: ${(error as Error).message}`, { cause: error, outcome });
}

/** Rethrows `error` as DatabaseUnavailableError when it means the database is unavailable. */
export function translateDatabaseError(error: unknown): never {
  throw serviceError(error);
}
