import { CreateModelTables1764400000000 as PostgresCreateModelTables } from './postgres/1764400000000-create-model-tables';
import { AddContributionsAndHistoryIndexes1764500000000 as PostgresAddContributions } from './postgres/1764500000000-add-contributions-and-history-indexes';
import { AddIdempotencyKey1764600000001 as AddIdempotencyKey } from './postgres/1764600000001-add-idempotency-key';
import { AddInputCreatedAtIndex1764700000000 as AddInputCreatedAtIndex } from './postgres/1764700000000-add-input-created-at-index';
import { CreateModelOutcomes1764800000001 as PostgresCreateModelOutcomes } from './postgres/1764800000001-create-model-outcomes';
import { AddAuditedAttributeColumns1764900000000 as PostgresAddAuditedAttributes } from './postgres/1764900000000-add-audited-attribute-columns';
import { CreateModelTables1764400000000 as SqliteCreateModelTables } from './sqlite/1764400000000-create-model-tables';
import { AddContributionsAndHistoryIndexes1764500000000 as SqliteAddContributions } from './sqlite/1764500000000-add-contributions-and-history-indexes';
import { CreateModelOutcomes1764800000001 as SqliteCreateModelOutcomes } from './sqlite/1764800000001-create-model-outcomes';
import { AddAuditedAttributeColumns1764900000000 as SqliteAddAuditedAttributes } from './sqlite/1764900000000-add-audited-attribute-columns';
import { RebuildTablesWithNamedConstraints1764550000000 as SqliteNamedConstraints } from './sqlite/1764550000000-rebuild-tables-with-named-constraints';

/** Migrations per driver, oldest first; listed explicitly so no glob depends on the build layout. */
export const POSTGRES_MIGRATIONS = [
  PostgresCreateModelTables,
  PostgresAddContributions,
  AddIdempotencyKey,
  AddInputCreatedAtIndex,
  PostgresCreateModelOutcomes,
  PostgresAddAuditedAttributes,
];
// The idempotency key's and the retention index's migrations are the same SQL on both engines: one
// class in both lists.
export const SQLITE_MIGRATIONS = [
  SqliteCreateModelTables,
  SqliteAddContributions,
  SqliteNamedConstraints,
  AddIdempotencyKey,
  AddInputCreatedAtIndex,
  SqliteCreateModelOutcomes,
  SqliteAddAuditedAttributes,
];
