import { CreateModelTables1764400000000 as PostgresCreateModelTables } from './postgres/1764400000000-create-model-tables';
import { AddContributionsAndHistoryIndexes1764500000000 as PostgresAddContributions } from './postgres/1764500000000-add-contributions-and-history-indexes';
import { CreateModelTables1764400000000 as SqliteCreateModelTables } from './sqlite/1764400000000-create-model-tables';
import { AddContributionsAndHistoryIndexes1764500000000 as SqliteAddContributions } from './sqlite/1764500000000-add-contributions-and-history-indexes';
import { RebuildTablesWithNamedConstraints1764900000000 as SqliteNamedConstraints } from './sqlite/1764900000000-rebuild-tables-with-named-constraints';

/** Migrations per driver, oldest first; listed explicitly so no glob depends on the build layout. */
export const POSTGRES_MIGRATIONS = [PostgresCreateModelTables, PostgresAddContributions];
export const SQLITE_MIGRATIONS = [SqliteCreateModelTables, SqliteAddContributions, SqliteNamedConstraints];
