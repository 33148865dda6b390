import { MigrationInterface, QueryRunner } from 'typeorm';

const OUTPUT_INDEXES = [
  'CREATE INDEX "model_outputs_input_id_idx" ON "model_outputs" ("input_id")',
  'CREATE INDEX "model_outputs_created_at_idx" ON "model_outputs" ("created_at")',
  'CREATE INDEX "model_outputs_model_version_id_idx" ON "model_outputs" ("model_version", "id")',
];

const NOW = "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";

/** The tables in the form TypeORM reads back (quoted names, named CHECKs and foreign key). */
const NAMED = {
  model_inputs: `(
    "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    "features" text NOT NULL,
    "created_at" datetime NOT NULL DEFAULT ${NOW},
    CONSTRAINT "model_inputs_features_check" CHECK (json_valid(features)))`,
  model_outputs: `(
    "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    "input_id" integer NOT NULL,
    "prediction" integer NOT NULL,
    "probability" double precision,
    "threshold" double precision NOT NULL,
    "model_version" varchar(64) NOT NULL,
    "created_at" datetime NOT NULL DEFAULT ${NOW},
    "contributions" text,
    CONSTRAINT "model_outputs_prediction_check" CHECK (prediction IN (0, 1)),
    CONSTRAINT "model_outputs_probability_check" CHECK (probability >= 0 AND probability <= 1),
    CONSTRAINT "model_outputs_threshold_check" CHECK (threshold >= 0 AND threshold <= 1),
    CONSTRAINT "model_outputs_contributions_check" CHECK (json_valid(contributions)),
    CONSTRAINT "model_outputs_input_id_fkey" FOREIGN KEY ("input_id") REFERENCES "model_inputs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
};

/** The tables as migrations 1764400000000 and 1764500000000 left them. */
const UNNAMED = {
  model_inputs: `(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    features TEXT NOT NULL CHECK (json_valid(features)),
    created_at DATETIME NOT NULL DEFAULT ${NOW})`,
  model_outputs: `(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    input_id INTEGER NOT NULL REFERENCES model_inputs(id) ON DELETE CASCADE,
    prediction INTEGER NOT NULL CONSTRAINT model_outputs_prediction_check CHECK (prediction IN (0, 1)),
    probability DOUBLE PRECISION NULL
      CONSTRAINT model_outputs_probability_check CHECK (probability >= 0 AND probability <= 1),
    threshold DOUBLE PRECISION NOT NULL
      CONSTRAINT model_outputs_threshold_check CHECK (threshold >= 0 AND threshold <= 1),
    model_version VARCHAR(64) NOT NULL,
    created_at DATETIME NOT NULL DEFAULT ${NOW},
    contributions TEXT NULL CHECK (contributions IS NULL OR json_valid(contributions)))`,
};

/**
 * Same constraints, written the way TypeORM's SQLite driver parses them back, so that its schema
 * builder (migration:generate) sees the CHECKs, the foreign key and the AUTOINCREMENT key instead of
 * proposing to rebuild the tables without them. SQLite changes constraints only by copying the
 * table: the rows are copied into new tables, and the id sequences carried over.
 */
export class RebuildTablesWithNamedConstraints1764550000000 implements MigrationInterface {
  name = 'RebuildTablesWithNamedConstraints1764550000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await rebuild(queryRunner, NAMED);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await rebuild(queryRunner, UNNAMED);
  }
}

async function rebuild(queryRunner: QueryRunner, tables: Record<'model_inputs' | 'model_outputs', string>): Promise<void> {
  const run = (sql: string) => queryRunner.query(sql);
  for (const index of ['model_outputs_input_id_idx', 'model_outputs_created_at_idx', 'model_outputs_model_version_id_idx']) {
    await run(`DROP INDEX "${index}"`);
  }
  // Renaming the parent carries model_outputs' foreign key with it; the new model_inputs is then free to take its place.
  await run('ALTER TABLE "model_inputs" RENAME TO "previous_model_inputs"');
  await run(`CREATE TABLE "model_inputs" ${tables.model_inputs}`);
  await run('INSERT INTO "model_inputs" SELECT * FROM "previous_model_inputs"');
  await carrySequence(queryRunner, 'previous_model_inputs', 'model_inputs');
  await run(`CREATE TABLE "temporary_model_outputs" ${tables.model_outputs}`);
  await run('INSERT INTO "temporary_model_outputs" SELECT * FROM "model_outputs"');
  await carrySequence(queryRunner, 'model_outputs', 'temporary_model_outputs');
  // The child goes first, so dropping the old parent cascades into nothing, whatever the foreign_keys pragma.
  await run('DROP TABLE "model_outputs"');
  await run('DROP TABLE "previous_model_inputs"');
  await run('ALTER TABLE "temporary_model_outputs" RENAME TO "model_outputs"');
  for (const index of OUTPUT_INDEXES) await run(index);
}

/** AUTOINCREMENT's high-water mark, so that ids of erased rows are never given out again. */
async function carrySequence(queryRunner: QueryRunner, from: string, to: string): Promise<void> {
  await queryRunner.query(`DELETE FROM sqlite_sequence WHERE name = '${to}'`);
  await queryRunner.query(`INSERT INTO sqlite_sequence (name, seq) SELECT '${to}', seq FROM sqlite_sequence WHERE name = '${from}'`);
}
