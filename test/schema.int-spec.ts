import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../libs/persistence/src/migrations';
import { databaseFor, Driver } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn } from './support/test-settings';
import { usePersistence } from './support/persistence';

/**
 * The entities describe the schema the migrations build: after the migrations, TypeORM's schema
 * builder (what `migration:generate` and `synchronize` run) finds nothing to change. A difference
 * here means a generated migration would drop constraints or rewrite columns with their data.
 */
function schemaSuite(driver: Driver) {
  const persistence = usePersistence(driver);

  it('the schema builder finds nothing to change after the migrations', async () => {
    // Act
    const { upQueries } = await persistence().dataSource.driver.createSchemaBuilder().log();

    // Assert
    expect(upQueries.map((q) => q.query)).toEqual([]);
  });
}

/** The migration that adds `genre` and `age` as columns fills them from the features of the rows already stored. */
function auditedColumnsBackfill(driver: Driver) {
  it('backfills genre and age from the stored features: integers only, else NULL', async () => {
    // Arrange: a database as the migrations before 1764900000000 left it, with inputs stored.
    const database = await databaseFor(driver);
    const options = driver === 'postgres'
      ? ({ type: 'postgres', url: database.env.DATABASE_URL } as const)
      : ({ type: 'better-sqlite3', database: database.env.SQLITE_PATH! } as const);
    const all = driver === 'postgres' ? POSTGRES_MIGRATIONS : SQLITE_MIGRATIONS;
    const before = await new DataSource({ ...options, migrations: all.slice(0, -1) }).initialize();
    await before.runMigrations();
    for (const features of ['{"genre":1,"age":52}', '{"genre":0,"age":40.0}', '{"genre":"1","age":33.5}', '{}']) {
      await before.query(`INSERT INTO model_inputs (features) VALUES ('${features}')`);
    }
    await before.destroy();

    // Act
    const after = await new DataSource({ ...options, migrations: all }).initialize();
    await after.runMigrations();

    // Assert
    try {
      await expect(after.query('SELECT genre, age FROM model_inputs ORDER BY id')).resolves.toEqual([
        { genre: 1, age: 52 },
        { genre: 0, age: 40 },
        { genre: null, age: null },
        { genre: null, age: null },
      ]);
    } finally {
      await after.destroy();
      await database.drop();
    }
  });
}

describeOn('sqlite')('the migration that adds the audited attribute columns (1764900000000): embedded SQLite', () => auditedColumnsBackfill('sqlite'));
describeWithPostgres('the migration that adds the audited attribute columns (1764900000000): PostgreSQL', () => auditedColumnsBackfill('postgres'));

describeOn('sqlite')('entities and migrations agree: embedded SQLite', () => schemaSuite('sqlite'));
describeWithPostgres('entities and migrations agree: PostgreSQL', () => schemaSuite('postgres'));

describe('the SQLite migration that names the constraints (1764550000000)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'attrition-migrate-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const open = (migrations: typeof SQLITE_MIGRATIONS) =>
    new DataSource({ type: 'better-sqlite3', database: join(dir, 'a.sqlite'), migrations, migrationsTransactionMode: 'each' });

  it('keeps every row, every id sequence and the constraints, and reverts', async () => {
    // Arrange: a database as the two earlier migrations left it, whose last input was erased.
    const before = await open(SQLITE_MIGRATIONS.slice(0, 2)).initialize();
    await before.runMigrations();
    for (let i = 1; i <= 3; i++) {
      await before.query(`INSERT INTO model_inputs (features) VALUES ('{"age":${40 + i}}')`);
      await before.query(`INSERT INTO model_outputs (input_id, prediction, probability, threshold, model_version, contributions)
        VALUES (${i}, 1, 0.5, 0.32, '1.0.0', '{"age":0.1}')`);
    }
    await before.query('DELETE FROM model_inputs WHERE id = 3');
    const rows = await before.query('SELECT * FROM model_outputs JOIN model_inputs ON model_inputs.id = input_id ORDER BY 1');
    await before.destroy();

    // Act
    const after = await open(SQLITE_MIGRATIONS.slice(0, 3)).initialize();
    await after.runMigrations();

    // Assert: same rows; erased ids not given out again; CHECKs and cascade in force.
    await expect(after.query('SELECT * FROM model_outputs JOIN model_inputs ON model_inputs.id = input_id ORDER BY 1')).resolves.toEqual(rows);
    await after.query(`INSERT INTO model_inputs (features) VALUES ('{}')`);
    await expect(after.query('SELECT MAX(id) AS id FROM model_inputs')).resolves.toEqual([{ id: 4 }]);
    await expect(after.query(`INSERT INTO model_inputs (features) VALUES ('not json')`)).rejects.toThrow(/CHECK constraint failed/);
    await expect(
      after.query(`INSERT INTO model_outputs (input_id, prediction, probability, threshold, model_version) VALUES (4, 2, 0.5, 0.32, 'x')`),
    ).rejects.toThrow(/CHECK constraint failed/);
    await after.query('DELETE FROM model_inputs WHERE id = 1');
    await expect(after.query('SELECT input_id FROM model_outputs')).resolves.toEqual([{ input_id: 2 }]);
    await after.undoLastMigration();
    await expect(after.query('SELECT COUNT(*) AS n FROM model_outputs')).resolves.toEqual([{ n: 1 }]);
    await after.destroy();
  });
});
