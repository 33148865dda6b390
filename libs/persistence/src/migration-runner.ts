import { Logger } from '@nestjs/common';
import { DataSource, DataSourceOptions, MigrationExecutor } from 'typeorm';
import { MigrationFailedError } from './persistence.errors';

/** Key of the PostgreSQL advisory lock that every replica holds while it migrates (any constant will do). */
const MIGRATION_LOCK_KEY = 1_764_600_000;

/**
 * Applies pending migrations on a connection of its own, with no statement timeout (a migration,
 * or the wait for another replica's, may be long). On PostgreSQL under an advisory lock: replicas
 * starting together take turns, and the later ones find nothing left to do. A failing migration
 * is a MigrationFailedError naming it and its cause, which stops the start-up without retries.
 */
export async function runMigrations(options: DataSourceOptions, logger = new Logger('Migrations')): Promise<void> {
  const postgres = options.type === 'postgres';
  const dataSource = new DataSource({
    ...options,
    migrationsRun: false,
    ...(postgres && {
      extra: { ...options.extra, max: 1, statement_timeout: 0, query_timeout: undefined, idle_in_transaction_session_timeout: 0 },
    }),
  } as DataSourceOptions);
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    if (postgres) await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const pending = (await executor.getPendingMigrations()).map((m) => m.name);
    try {
      await executor.executePendingMigrations();
    } catch (error) {
      throw new MigrationFailedError(`Database migration failed (pending: ${pending.join(', ')}): ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (pending.length > 0) logger.log(`Applied migrations: ${pending.join(', ')}`);
  } finally {
    if (postgres) await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}
