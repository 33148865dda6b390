import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { entitiesFor } from './entities';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations';
import { PersistenceModuleOptions } from './persistence.options';

export const DEFAULT_SQLITE_PATH = 'data/attrition.sqlite';

/** The one place where the driver is chosen; shared by the Nest module and the TypeORM CLI. */
export function buildDataSourceOptions(options: PersistenceModuleOptions): DataSourceOptions {
  const common = {
    synchronize: false,
    migrationsRun: options.migrationsRun ?? true,
    migrationsTransactionMode: 'each' as const,
  };
  if (options.url) {
    return {
      ...common,
      type: 'postgres',
      url: options.url,
      entities: entitiesFor('postgres'),
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
    entities: entitiesFor('better-sqlite3'),
    migrations: SQLITE_MIGRATIONS,
    // WAL lets readers proceed during a write; NORMAL sync is durable across process crashes.
    enableWAL: true,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
    },
  };
}
