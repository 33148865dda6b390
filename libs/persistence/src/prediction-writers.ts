import BetterSqlite3 from 'better-sqlite3';
import { DatabaseError, Pool, PoolClient } from 'pg';
import { YieldBudget } from '@app/common';
import { isUnavailable } from './database-errors';
import { configureSqlite, postgresPoolConfig, sqliteFile } from './data-source.options';
import { NewPredictionRecord, PredictionRecord } from './prediction-log.repository';
import { WriteOutcome } from './persistence.errors';
import { PersistenceModuleOptions } from './persistence.options';
import { auditedAttributes } from './model-input.entity';
import { retryWhileBusy } from './sqlite-busy-retry';
import { fromSqliteTime } from './sqlite-time';

/** A write that failed, with whether it may have been committed anyway. */
export class WriteFailure extends Error {
  constructor(override readonly cause: unknown, readonly outcome: WriteOutcome) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Writes many predictions in one transaction; resolves once committed, in input order. An entry
 * whose idempotency key is already stored is not written: its slot holds `null`. Rejects with a
 * WriteFailure. The writer owns its connection, created from the module's options.
 */
export interface PredictionWriter {
  insertMany(entries: readonly NewPredictionRecord[]): Promise<(PredictionRecord | null)[]>;
  /** Callers waiting for a connection (0 without a pool). */
  waitingClients(): number;
  close(): Promise<void>;
}

// One statement, hence one round trip and one (auto)commit for the whole batch, with the whole batch
// in one parameter: the entries themselves as one JSON array (one JSON.stringify per slice, no
// per-column arrays to build and escape), in jsonb's binary format (see toJsonDocument). Each
// entry's fields are read with -> and ->> under the entries' own property names: `features` and
// `contributions` come out as jsonb as they are, where jsonb_to_recordset printed each one to text
// and parsed it again (1,000 rows: 139-143 -> 107-108 ms per round trip, measured). A JSON null
// in `contributions` is stored as SQL NULL. Input ids are drawn from the sequence up front so each
// output row is tied to its input without relying on the order of RETURNING rows; the foreign key
// is checked at the end of the statement, when both CTEs' rows exist. An input whose idempotency
// key exists is skipped with its output. Only what the answer needs comes back: the position, the
// two ids and the shared time.
/**
 * The statement that stores a batch of predictions on PostgreSQL, reading the batch from `from`
 * through the select list `columns`, which must yield, in any order: `n` (the entry's 1-based
 * position), `features`, `prediction`, `probability`, `threshold`, `model_version`,
 * `contributions`, `idempotency_key`, `genre` and `age`, typed as the columns they fill. One
 * statement for every source, so the columns written cannot drift between them: the service
 * reads one JSON document (POSTGRES_INSERT); `scripts/bench/bench-writes.ts` measures the same
 * statement fed from parallel arrays and from COPY. Exported for that bench, not from the
 * library's index.
 */
export function postgresInsertFrom(columns: string, from: string): string {
  return `
  WITH data AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('model_inputs', 'id'))::int AS input_id, ${columns}
    FROM ${from}
  ), inputs AS (
    INSERT INTO model_inputs (id, features, idempotency_key, genre, age) SELECT input_id, features, idempotency_key, genre, age FROM data
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
  ), outputs AS (
    INSERT INTO model_outputs (input_id, prediction, probability, threshold, model_version, contributions)
    SELECT input_id, prediction, probability, threshold, model_version, contributions
    FROM data JOIN inputs ON inputs.id = data.input_id
    RETURNING id, input_id, created_at
  )
  SELECT data.n, outputs.id, outputs.input_id, outputs.created_at
  FROM outputs JOIN data USING (input_id) ORDER BY data.n`;
}

const POSTGRES_INSERT = postgresInsertFrom(
  `d.n,
      d.e->'features' AS features, (d.e->>'prediction')::int AS prediction,
      (d.e->>'probability')::float8 AS probability, (d.e->>'threshold')::float8 AS threshold,
      (d.e->>'modelVersion')::varchar AS model_version, NULLIF(d.e->'contributions', 'null'::jsonb) AS contributions,
      (d.e->>'idempotencyKey')::varchar AS idempotency_key,
      ($2::int[])[d.n] AS genre, ($3::int[])[d.n] AS age`,
  'jsonb_array_elements($1::jsonb) WITH ORDINALITY AS d(e, n)',
);

/** Entries serialised in one go; a larger batch is serialised in slices of this size. */
const JSON_SLICE = 100;
/** jsonb's binary format: a version byte, 1, then the JSON text (PostgreSQL's jsonb_recv). */
const JSONB_VERSION_1 = Buffer.from([1]);
const [OPEN, COMMA, CLOSE] = ['[', ',', ']'].map((c) => Buffer.from(c));

/**
 * The entries as one JSON array, in UTF-8, preceded by jsonb's version byte: pg sends a Buffer
 * parameter as is, in binary format, and PostgreSQL parses it as it would the text. A large batch
 * (1,000 entries are ~3 MB) is serialised slice by slice, giving the event loop back between
 * slices once a few milliseconds have passed, so other requests are not held up by one long
 * JSON.stringify. Each slice is encoded to bytes as soon as it is made and the bytes are
 * concatenated: joining the slices' strings instead (then flattened and encoded again by pg) cost
 * twice the CPU, 46 against 23 µs per entry (measured).
 */
export async function toJsonDocument(entries: readonly NewPredictionRecord[]): Promise<Buffer> {
  const budget = new YieldBudget();
  const parts: Buffer[] = [JSONB_VERSION_1, OPEN];
  for (let i = 0; i < entries.length; i += JSON_SLICE) {
    await budget.check();
    const slice = Buffer.from(JSON.stringify(entries.slice(i, i + JSON_SLICE)));
    if (i > 0) parts.push(COMMA);
    parts.push(slice.subarray(1, slice.length - 1));
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/** `genre` and `age` of each entry, as two arrays in entry order. */
function auditedColumns(entries: readonly NewPredictionRecord[]): [(number | null)[], (number | null)[]] {
  const attributes = entries.map((entry) => auditedAttributes(entry.features));
  return [attributes.map((a) => a.genre), attributes.map((a) => a.age)];
}

interface InsertedRow {
  n: string;
  id: number;
  input_id: number;
  created_at: Date;
}

/**
 * Its own pg pool, built from the same settings as TypeORM's (statement and connect timeouts),
 * and a named statement: PostgreSQL parses and plans the CTE once per connection instead of once
 * per batch (0.78 -> 0.54 ms for one row, measured).
 */
export class PostgresPredictionWriter implements PredictionWriter {
  private readonly pool: Pool;

  constructor(options: PersistenceModuleOptions) {
    this.pool = new Pool({ connectionString: options.url, ...postgresPoolConfig(options) });
    // An idle client whose connection drops emits 'error' on the pool, which discards it; the
    // client itself has logged it (SupervisedPgClient).
    this.pool.on('error', () => undefined);
  }

  async insertMany(entries: readonly NewPredictionRecord[]): Promise<(PredictionRecord | null)[]> {
    if (entries.length === 0) return [];
    const document = await toJsonDocument(entries);
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      // Nothing was sent: the statement cannot have run.
      throw new WriteFailure(error, 'not-stored');
    }
    let rows: InsertedRow[];
    try {
      ({ rows } = await client.query<InsertedRow>({
        name: 'attrition-insert-predictions',
        text: POSTGRES_INSERT,
        // NewPredictionRecord's property names are the names POSTGRES_INSERT reads.
        // The audited attributes ride along as two arrays indexed by position (see auditedAttributes).
        values: [document, ...auditedColumns(entries)],
      }));
    } catch (error) {
      // An error the server sent for the statement means it (its own transaction) was rolled back.
      // A lost connection, a read timeout or a FATAL error after sending may follow a commit
      // whose reply was lost.
      const rolledBack = error instanceof DatabaseError && error.severity !== 'FATAL' && error.severity !== 'PANIC';
      // A connection that failed mid-statement is discarded, never reused.
      client.release(rolledBack && !isUnavailable(error) ? undefined : (error as Error));
      throw new WriteFailure(error, rolledBack ? 'not-stored' : 'unknown');
    }
    client.release();
    const byPosition = new Map(rows.map((row) => [Number(row.n) - 1, row]));
    return entries.map((entry, i) => {
      const row = byPosition.get(i);
      return row ? { ...entry, id: row.id, inputId: row.input_id, createdAt: row.created_at } : null;
    });
  }

  waitingClients(): number {
    return this.pool.waitingCount;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * Its own better-sqlite3 handle on the database file, configured like TypeORM's. better-sqlite3
 * is synchronous: the whole batch is inserted and committed inside one call, so no other query
 * can interleave with the transaction, and a failure rolls it back (nothing stored).
 */
export class SqlitePredictionWriter implements PredictionWriter {
  private readonly db: BetterSqlite3.Database;
  private readonly insertAll: (entries: readonly NewPredictionRecord[]) => (PredictionRecord | null)[];

  constructor(options: PersistenceModuleOptions) {
    this.db = new BetterSqlite3(sqliteFile(options));
    configureSqlite(this.db);
    const insertInput = this.db.prepare(
      `INSERT INTO model_inputs (features, idempotency_key, genre, age) VALUES (?, ?, ?, ?)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    );
    const insertOutput = this.db.prepare(
      `INSERT INTO model_outputs (input_id, prediction, probability, threshold, model_version, contributions)
       VALUES (?, ?, ?, ?, ?, ?) RETURNING id, created_at`,
    );
    this.insertAll = this.db.transaction((entries: readonly NewPredictionRecord[]) =>
      entries.map((entry) => {
        const { genre, age } = auditedAttributes(entry.features);
        const input = insertInput.get(JSON.stringify(entry.features), entry.idempotencyKey ?? null, genre, age) as { id: number } | undefined;
        if (!input) return null;
        const output = insertOutput.get(
          input.id,
          entry.prediction,
          entry.probability,
          entry.threshold,
          entry.modelVersion,
          entry.contributions ? JSON.stringify(entry.contributions) : null,
        ) as { id: number; created_at: string };
        return { ...entry, id: output.id, inputId: input.id, createdAt: fromSqliteTime(output.created_at) };
      }),
    );
  }

  async insertMany(entries: readonly NewPredictionRecord[]): Promise<(PredictionRecord | null)[]> {
    try {
      return await retryWhileBusy(() => this.insertAll(entries));
    } catch (error) {
      throw new WriteFailure(error, 'not-stored');
    }
  }

  waitingClients(): number {
    return 0;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export function createPredictionWriter(options: PersistenceModuleOptions): PredictionWriter {
  return options.url ? new PostgresPredictionWriter(options) : new SqlitePredictionWriter(options);
}
