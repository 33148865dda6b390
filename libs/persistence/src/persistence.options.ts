import { AsyncModuleOptions } from '@app/common';

export const PERSISTENCE_OPTIONS = Symbol('persistence:options');

export interface PersistenceModuleOptions {
  /** `postgres://...` selects PostgreSQL; unset selects the embedded SQLite database. */
  url?: string;
  /**
   * File of the embedded database, created on first start (its folder too).
   * @default 'data/attrition.sqlite'
   */
  sqlitePath?: string;
  /**
   * Maximum PostgreSQL connections in each of the two pools (TypeORM's for reads, the prediction
   * writer's), so up to twice this in all.
   * @default 10
   */
  poolSize?: number;
  /**
   * Milliseconds to wait for a PostgreSQL connection before a request fails with 503.
   * @default 2000
   */
  connectTimeoutMs?: number;
  /**
   * Longest a PostgreSQL statement may run (server-side `statement_timeout`, and a client-side
   * read timeout slightly longer for a connection that went silent). A write that hits it fails
   * with DatabaseUnavailableError; with `connectTimeoutMs` it bounds every database call. 0: no limit.
   * @default 5000
   */
  statementTimeoutMs?: number;
  /**
   * Apply pending migrations at start-up.
   * @default true
   */
  migrationsRun?: boolean;
  /**
   * Connection attempts at start-up before giving up.
   * @default 5
   */
  retryAttempts?: number;
  /**
   * Group commit of concurrent `record` calls: batches of at most `maxBatchSize`, at most
   * `maxInFlight` transactions at once that have not stalled. `false` writes each prediction in its own transaction.
   * A shared transaction still running after `stallAfterMs` frees its slot for the next batch.
   * @default { maxBatchSize: 128, maxInFlight: 2, stallAfterMs: 200 }
   */
  groupCommit?: false | { maxBatchSize?: number; maxInFlight?: number; stallAfterMs?: number };
  /**
   * Delete inputs (and, by cascade, their predictions) older than `days`, at start-up and every
   * `intervalMs` (default one hour). Unset: keep everything.
   */
  retention?: { days: number; intervalMs?: number };
}

export type PersistenceModuleAsyncOptions = AsyncModuleOptions<PersistenceModuleOptions>;
