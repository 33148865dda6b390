import { DatabaseUnavailableError } from './persistence.errors';

// Socket-level failures, PostgreSQL SQLSTATE classes 08 (connection exception) and 57P
// (operator intervention: shutdown, restart), 53300 (too many connections), and SQLite codes
// that mean "try again later" rather than "your query is wrong".
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY)/;
const PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection timeout/i;

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
    code === '53300' ||
    SQLITE_TRANSIENT.test(code) ||
    PG_MESSAGES.test(message)
  );
}

/** Rethrows `error` as DatabaseUnavailableError when it means the database is unavailable. */
export function translateDatabaseError(error: unknown): never {
  if (isUnavailable(error)) {
    throw new DatabaseUnavailableError(`The database is unavailable: ${(error as Error).message}`, { cause: error });
  }
  throw error;
}
