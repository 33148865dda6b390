import { CreateModelTables1764400000000 as PostgresCreateModelTables } from './postgres/1764400000000-create-model-tables';
import { AddContributionsAndHistoryIndexes1764500000000 as PostgresAddContributions } from './postgres/1764500000000-add-contributions-and-history-indexes';
import { CreateModelOutcomes1764800000001 as PostgresCreateModelOutcomes } from './postgres/1764800000001-create-model-outcomes';
import { CreateModelTables1764400000000 as SqliteCreateModelTables } from './sqlite/1764400000000-create-model-tables';
import { AddContributionsAndHistoryIndexes1764500000000 as SqliteAddContributions } from './sqlite/1764500000000-add-contributions-and-history-indexes';
import { CreateModelOutcomes1764800000001 as SqliteCreateModelOutcomes } from './sqlite/1764800000001-create-model-outcomes';

/** Migrations per driver, oldest first; listed explicitly so no glob depends on the build layout. */
export const POSTGRES_MIGRATIONS = [PostgresCreateModelTables, PostgresAddContributions, PostgresCreateModelOutcomes];
export const SQLITE_MIGRATIONS = [SqliteCreateModelTables, SqliteAddContributions, SqliteCreateModelOutcomes];
