import { FactoryProvider, ModuleMetadata } from '@nestjs/common';

export interface PersistenceModuleOptions {
  /** `postgres://...` selects PostgreSQL; unset selects the embedded SQLite database. */
  url?: string;
  /**
   * File of the embedded database, created on first start (its folder too).
   * @default 'data/attrition.sqlite'
   */
  sqlitePath?: string;
  /**
   * Maximum PostgreSQL connections in the pool.
   * @default 10
   */
  poolSize?: number;
  /**
   * Milliseconds to wait for a PostgreSQL connection before a request fails with 503.
   * @default 2000
   */
  connectTimeoutMs?: number;
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
}

export interface PersistenceModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: FactoryProvider['inject'];
  useFactory: (...args: any[]) => PersistenceModuleOptions | Promise<PersistenceModuleOptions>;
}
