import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { NewPredictionRecord, PersistenceModule, PredictionLogRepository, PredictionRecord } from '@app/persistence';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { countRows, DatabaseUnderTest, databaseFor, Driver, truncate } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn } from './support/test-settings';
import { loadContract } from './fixtures/artifacts';

const MODEL_VERSION = loadContract().model.version;

const entry = {
  features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY },
  prediction: 0 as const,
  probability: 0.041,
  threshold: 0.32,
  modelVersion: MODEL_VERSION,
  contributions: { age: -0.42, heure_supplementaires: 0.71 },
};

/** Writes SQL with PostgreSQL's $n placeholders; SQLite takes ?. */
function placeholders(driver: Driver, sql: string): string {
  return driver === 'postgres' ? sql : sql.replace(/\$\d+/g, '?');
}

function persistenceSuite(driver: Driver) {
  let database: DatabaseUnderTest;
  let context: INestApplicationContext;
  let repository: PredictionLogRepository;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await databaseFor(driver);
    const moduleRef = await Test.createTestingModule({
      imports: [
        PersistenceModule.forRootAsync({
          useFactory: () => ({ url: database.env.DATABASE_URL, sqlitePath: database.env.SQLITE_PATH, retryAttempts: 1 }),
        }),
      ],
    }).compile();
    context = await moduleRef.init();
    repository = context.get(PredictionLogRepository);
    dataSource = context.get(DataSource);
  });

  afterEach(() => truncate(dataSource));

  const store = async (e: NewPredictionRecord) => (await repository.record(e)).record;

  afterAll(async () => {
    await context?.close();
    await database?.drop();
  });

  it('applies the migrations on start: both tables exist and nothing is pending', async () => {
    await expect(dataSource.showMigrations()).resolves.toBe(false);
    await expect(countRows(dataSource)).resolves.toEqual({ inputs: 0, outputs: 0 });
    if (driver === 'postgres') {
      const columns = await dataSource.query(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'model_inputs' ORDER BY column_name",
      );
      expect(columns).toEqual([
        { column_name: 'age', data_type: 'integer' },
        { column_name: 'created_at', data_type: 'timestamp with time zone' },
        { column_name: 'features', data_type: 'jsonb' },
        { column_name: 'genre', data_type: 'integer' },
        { column_name: 'id', data_type: 'integer' },
        { column_name: 'idempotency_key', data_type: 'character varying' },
      ]);
    }
  });

  it('stores the genre and age of each input as plain columns, taken from its features', async () => {
    // Act
    const older = await store({ ...entry, features: { ...entry.features, genre: 1, age: 52 } });
    const younger = await store({ ...entry, features: { ...entry.features, genre: 0, age: 23 } });

    // Assert
    await expect(dataSource.query('SELECT id, genre, age FROM model_inputs ORDER BY id')).resolves.toEqual([
      { id: older!.inputId, genre: 1, age: 52 },
      { id: younger!.inputId, genre: 0, age: 23 },
    ]);
  });

  it('records one input row and one output row per prediction, and reads them back', async () => {
    // Act
    const stored = await store(entry);
    // Assert
    expect(stored).toEqual({ ...entry, id: expect.any(Number), inputId: expect.any(Number), createdAt: expect.any(Date) });
    expect(Math.abs(stored.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    await expect(countRows(dataSource)).resolves.toEqual({ inputs: 1, outputs: 1 });
    await expect(repository.findById(stored.id)).resolves.toEqual({ ...stored, outcome: null });
    await expect(repository.findById(stored.id + 1000)).resolves.toBeNull();
  });

  it('stores every one of many concurrent predictions, each in its own transaction', async () => {
    const stored = await Promise.all(Array.from({ length: 50 }, (_, i) => store({ ...entry, probability: i / 100 })));
    expect(new Set(stored.map((s) => s.id)).size).toBe(50);
    await expect(countRows(dataSource)).resolves.toEqual({ inputs: 50, outputs: 50 });
    for (const s of stored) await expect(repository.findById(s.id)).resolves.toMatchObject({ probability: s.probability });
  });

  it('deletes the outputs of a deleted input (ON DELETE CASCADE), leaving no orphan', async () => {
    const kept = await store(entry);
    const erased = await store(entry);
    // A second output for the same input (a re-scoring): the cascade must remove both.
    await dataSource.query(
      placeholders(driver, 'INSERT INTO model_outputs (input_id, prediction, probability, threshold, model_version) VALUES ($1, 1, 0.9, 0.32, $2)'),
      [erased.inputId, '1.0.1'],
    );
    await expect(countRows(dataSource)).resolves.toEqual({ inputs: 2, outputs: 3 });
    await dataSource.query(placeholders(driver, 'DELETE FROM model_inputs WHERE id = $1'), [erased.inputId]);
    const [{ n: orphans }] = await dataSource.query(
      'SELECT COUNT(*) AS n FROM model_outputs o LEFT JOIN model_inputs i ON i.id = o.input_id WHERE i.id IS NULL',
    );
    expect(Number(orphans)).toBe(0);
    await expect(repository.findById(erased.id)).resolves.toBeNull();
    await expect(repository.findById(kept.id)).resolves.not.toBeNull();
    await expect(countRows(dataSource)).resolves.toEqual({ inputs: 1, outputs: 1 });
  });

  it.each([
    ['prediction = 2', 'prediction', 2, 0.5],
    ['probability = 1.5', 'probability', 1, 1.5],
    ['probability = -0.1', 'probability', 0, -0.1],
  ])('the database itself rejects %s', async (_, column, prediction, probability) => {
    const { inputId } = await store(entry);
    const sql = placeholders(
      driver,
      'INSERT INTO model_outputs (input_id, prediction, probability, threshold, model_version) VALUES ($1, $2, $3, 0.32, $4)',
    );
    await expect(dataSource.query(sql, [inputId, prediction, probability, MODEL_VERSION])).rejects.toThrow(
      new RegExp(`check constraint|CHECK constraint failed.*${column}|model_outputs_${column}_check`, 'i'),
    );
  });

  it('stores an idempotency key once: a second record with it stores nothing and returns the first', async () => {
    // Act: the same key twice at once (one shared transaction), then once more
    const keyed = { ...entry, idempotencyKey: 'key-0001' };
    const [first, second] = await Promise.all([repository.record(keyed), repository.record({ ...keyed, probability: 0.9 })]);
    const third = await repository.record(keyed);
    // Assert
    expect([first.replayed, second.replayed, third.replayed]).toEqual([false, true, true]);
    // Read back, a record also says it has no outcome yet.
    expect({ ...second.record, outcome: undefined }).toEqual(first.record);
    expect({ ...third.record, outcome: undefined }).toEqual(first.record);
    await expect(countRows(dataSource)).resolves.toEqual({ inputs: 1, outputs: 1 });
  });

  it('a batch stores each item, replays an item whose key is stored, and fails only an item the database refuses', async () => {
    // Arrange: an input whose key a batch item repeats; and an item the database refuses (a probability its CHECK forbids)
    const earlier = await store({ ...entry, idempotencyKey: 'key-0002' });
    // Act
    const outcomes = await repository.recordMany([
      { ...entry, probability: 0.1 },
      { ...entry, idempotencyKey: 'key-0002' },
      { ...entry, probability: 7 },
      { ...entry, probability: 0.3, idempotencyKey: 'key-0003' },
    ]);
    // Assert
    expect(outcomes.map((o) => (o.stored ? (o.replayed ? 'replayed' : 'stored') : 'failed'))).toEqual(['stored', 'replayed', 'failed', 'stored']);
    expect(outcomes[1]).toMatchObject({ record: earlier });
    await expect(countRows(dataSource)).resolves.toEqual({ inputs: 3, outputs: 3 });
  });

  it('a batch of 250 (sent in several JSON slices on PostgreSQL) stores every entry with its own values, in order', async () => {
    // Arrange: each entry differs in every column the writer maps; full-precision probabilities,
    // non-ASCII text, and every fifth entry without contributions
    const entries: NewPredictionRecord[] = Array.from({ length: 250 }, (_, i) => ({
      ...entry,
      features: { ...entry.features, age: 18 + (i % 40), statut_marital: i % 2 ? 'Célibataire' : 'Marié(e)' },
      prediction: (i % 2) as 0 | 1,
      probability: (i + Math.SQRT2) / 1000,
      threshold: 0.3 + i / 10_000,
      contributions: i % 5 === 0 ? null : { age: i / 7 },
      idempotencyKey: i % 3 === 0 ? `slice-${i}` : undefined,
    }));
    // Act
    const outcomes = await repository.recordMany(entries);
    // Assert: the answer for each position is that entry, and so is what a read finds
    expect(outcomes.every((o) => o.stored && !o.replayed)).toBe(true);
    for (const [i, outcome] of outcomes.entries()) {
      const { record } = outcome as { record: PredictionRecord };
      expect(record).toMatchObject(entries[i]);
      await expect(repository.findById(record.id)).resolves.toEqual({ ...record, outcome: null });
    }
    await expect(countRows(dataSource)).resolves.toEqual({ inputs: 250, outputs: 250 });
    // No contributions is SQL NULL, not a JSON null (a read could not tell the two apart)
    const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM model_outputs WHERE contributions IS NULL');
    expect(Number(n)).toBe(50);
  });

  it('the database itself rejects an output without an existing input', async () => {
    const sql = placeholders(driver, 'INSERT INTO model_outputs (input_id, prediction, probability, threshold, model_version) VALUES (999999, 0, 0.1, 0.32, $1)');
    await expect(dataSource.query(sql, [MODEL_VERSION])).rejects.toThrow(/foreign key/i);
  });
}

describeWithPostgres('persistence on PostgreSQL', () => persistenceSuite('postgres'));
describeOn('sqlite')('persistence on the embedded SQLite database', () => persistenceSuite('sqlite'));
