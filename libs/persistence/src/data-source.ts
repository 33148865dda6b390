import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source.options';

// Entry point of the TypeORM CLI (npm run migration:run / migration:show), the only place in the
// libraries that reads the environment: the CLI has no Nest config to pass options in. No
// statement timeout: a migration may take long.
export default new DataSource(
  buildDataSourceOptions({
    url: process.env.DATABASE_URL,
    sqlitePath: process.env.SQLITE_PATH,
    migrationsRun: false,
    statementTimeoutMs: 0,
  }),
);
