import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { PoolConfig } from 'pg';
import { DataSourceOptions } from 'typeorm';
import { entitiesFor } from './entities';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations';
import { PersistenceModuleOptions } from './persistence.options';
import { SQLITE_BUSY_TIMEOUT_MS } from './sqlite-busy-retry';
import { SupervisedPgClient } from './supervised-pg-client';

export const DEFAULT_SQLITE_PATH = 'data/attrition.sqlite';
const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
/** The client gives up slightly after the server would have cancelled: a server-side cancel is a known outcome. */
const CLIENT_TIMEOUT_MARGIN_MS = 250;

/**
 * Settings of every PostgreSQL pool of the service (TypeORM's and the prediction writer's), so
 * that no call can wait longer than the connect timeout plus the statement timeout, and no
 * connection can end the process when the server ends it (SupervisedPgClient).
 */
export function postgresPoolConfig(options: PersistenceModuleOptions): PoolConfig {
  const statementTimeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return {
    Client: SupervisedPgClient,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
    // 0 (the migration CLI): no limit, as in PostgreSQL.
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout > 0 ? statementTimeout + CLIENT_TIMEOUT_MARGIN_MS : undefined,
    idle_in_transaction_session_timeout: statementTimeout,
    keepAlive: true,
  };
}

/** The embedded database's file, resolved against the working directory; its folder is created. */
export function sqliteFile(options: PersistenceModuleOptions): string {
  const database = resolve(options.sqlitePath ?? DEFAULT_SQLITE_PATH);
  mkdirSync(dirname(database), { recursive: true });
  return database;
}

/** Pragmas of every connection to the embedded database (TypeORM's and the prediction writer's). */
export function configureSqlite(db: Pick<Database, 'pragma'>): void {
  // WAL lets readers proceed during a write; NORMAL sync is durable across process crashes.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Short: a longer wait for another process's lock happens in retryWhileBusy, off the event loop.
  db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
}

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
      extra: postgresPoolConfig(options),
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: sqliteFile(options),
    entities: entitiesFor('better-sqlite3'),
    migrations: SQLITE_MIGRATIONS,
    enableWAL: true,
    prepareDatabase: configureSqlite,
  };
}
