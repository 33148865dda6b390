import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations';
import { PersistenceModuleOptions } from './persistence.options';
import { SQLITE_BUSY_TIMEOUT_MS } from './sqlite-busy-retry';

export const DEFAULT_SQLITE_PATH = 'data/attrition.sqlite';

/** The one place where the driver is chosen; shared by the Nest module and the TypeORM CLI. */
export function buildDataSourceOptions(options: PersistenceModuleOptions): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    synchronize: false,
    migrationsRun: options.migrationsRun ?? true,
    migrationsTransactionMode: 'each' as const,
  };
  if (options.url) {
    return {
      ...common,
      type: 'postgres',
      url: options.url,
      migrations: POSTGRES_MIGRATIONS,
      extra: {
        max: options.poolSize ?? 10,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
      },
    };
  }
  const database = resolve(options.sqlitePath ?? DEFAULT_SQLITE_PATH);
  mkdirSync(dirname(database), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database,
    migrations: SQLITE_MIGRATIONS,
    // WAL lets readers proceed during a write; NORMAL sync is durable across process crashes.
    enableWAL: true,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
      // Short: a longer wait for another process's lock happens in retryWhileBusy, off the event loop.
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    },
  };
}
