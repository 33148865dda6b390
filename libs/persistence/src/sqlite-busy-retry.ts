import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How long SQLite itself waits for a lock held by another connection. better-sqlite3 waits
 * synchronously, blocking the event loop (health probes included), so this stays short and the
 * longer wait happens between attempts, in `retryWhileBusy`.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 10;

/** How long a write waits in all for a lock held by another process before it fails (503). */
export const SQLITE_LOCK_WAIT_MS = 5000;

const FIRST_DELAY_MS = 5;
const MAX_DELAY_MS = 100;

/**
 * Runs a synchronous SQLite write, and again after a pause while it fails with SQLITE_BUSY
 * (another process holds the write lock): the event loop serves other requests meanwhile. A
 * failed attempt has been rolled back, so retrying cannot store anything twice. After
 * `maxWaitMs` the last SQLITE_BUSY error is thrown (the caller turns it into a 503).
 */
export async function retryWhileBusy<T>(write: () => T, maxWaitMs = SQLITE_LOCK_WAIT_MS): Promise<T> {
  const deadline = Date.now() + maxWaitMs;
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      return write();
    } catch (error) {
      if (!isBusy(error) || Date.now() + delay > deadline) throw error;
      await sleep(delay);
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
