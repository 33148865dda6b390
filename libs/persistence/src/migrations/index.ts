import { CreateModelTables1764400000000 as PostgresCreateModelTables } from './postgres/1764400000000-create-model-tables';
import { CreateModelTables1764400000000 as SqliteCreateModelTables } from './sqlite/1764400000000-create-model-tables';

/** Migrations per driver, oldest first; listed explicitly so no glob depends on the build layout. */
export const POSTGRES_MIGRATIONS = [PostgresCreateModelTables];
export const SQLITE_MIGRATIONS = [SqliteCreateModelTables];
