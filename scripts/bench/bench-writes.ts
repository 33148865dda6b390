/**
 * npm run bench:writes: how to send a batch of predictions to PostgreSQL, measured at 1, 128 and
 * 1,000 rows on a fresh, migrated database. Each variant stores both rows of every prediction in
 * one transaction, skips stored idempotency keys and returns each prediction's ids:
 *
 * - `arrays`: one statement, seven parallel arrays (`unnest`), what the service sent before;
 * - `json`: one statement, the entries as one JSON document (read with `jsonb_array_elements`), what the
 *   service sends now (it runs the service's own PostgresPredictionWriter);
 * - `copy`: COPY into a temporary staging table, then the same INSERT ... SELECT from it
 *   (four round trips: BEGIN, COPY, INSERT, COMMIT).
 *
 * Reports the wall time per batch (median) and the Node process's CPU per row, which is what the
 * service's one thread pays. Env: BENCH_ADMIN_URL as for npm run bench. No build needed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { admin, databaseUrl, exitOnHelp, ROOT } from './bench-support';
import { buildDataSourceOptions } from '../../libs/persistence/src/data-source.options';
import { runMigrations } from '../../libs/persistence/src/migration-runner';
import { auditedAttributes } from '../../libs/persistence/src/model-input.entity';
import { PostgresPredictionWriter, postgresInsertFrom } from '../../libs/persistence/src/prediction-writers';
import { NewPredictionRecord } from '../../libs/persistence/src/prediction-log.repository';

if (require.main === module) exitOnHelp(__filename);

// The service's own statement (postgresInsertFrom), fed from parallel arrays or from a COPY
// staging table instead of one JSON document: only the source differs between the variants.
const ARRAYS_INSERT = postgresInsertFrom(
  'd.*',
  `unnest($1::jsonb[], $2::int[], $3::float8[], $4::float8[], $5::varchar[], $6::jsonb[], $7::varchar[], $8::int[], $9::int[])
  WITH ORDINALITY AS d(features, prediction, probability, threshold, model_version, contributions, idempotency_key, genre, age, n)`,
);
const COPY_INSERT = postgresInsertFrom('d.*', 'attrition_staging d');

/** Stores `entries` in one transaction as the service does; resolves with the number stored. */
export type Variant = (client: PoolClient, entries: NewPredictionRecord[]) => Promise<number>;

/** `genre` and `age` of each entry, as the service derives them (auditedAttributes), as two arrays. */
function auditedArrays(entries: NewPredictionRecord[]): [(number | null)[], (number | null)[]] {
  const audited = entries.map((e) => auditedAttributes(e.features));
  return [audited.map((a) => a.genre), audited.map((a) => a.age)];
}

export const arrays: Variant = async (client, entries) => {
  const { rows } = await client.query({
    name: 'bench-arrays',
    text: ARRAYS_INSERT,
    values: [
      entries.map((e) => JSON.stringify(e.features)),
      entries.map((e) => e.prediction),
      entries.map((e) => e.probability),
      entries.map((e) => e.threshold),
      entries.map((e) => e.modelVersion),
      entries.map((e) => (e.contributions ? JSON.stringify(e.contributions) : null)),
      entries.map((e) => e.idempotencyKey ?? null),
      ...auditedArrays(entries),
    ],
  });
  return rows.length;
};

/** COPY's text format: a backslash, tab, newline or carriage return inside a field is escaped. */
const copyField = (value: string | number | null | undefined) =>
  value === null || value === undefined ? '\\N' : String(value).replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);

export const copy: Variant = async (client, entries) => {
  await client.query('BEGIN');
  try {
    await client.query(`CREATE TEMP TABLE IF NOT EXISTS attrition_staging (n int, features jsonb, prediction int,
      probability float8, threshold float8, model_version varchar, contributions jsonb, idempotency_key varchar,
      genre int, age int) ON COMMIT DELETE ROWS`);
    const stream = client.query(copyFrom('COPY attrition_staging FROM STDIN'));
    const lines = entries.map((e, i) => {
      const { genre, age } = auditedAttributes(e.features);
      return [i + 1, JSON.stringify(e.features), e.prediction, e.probability, e.threshold, e.modelVersion,
        e.contributions && JSON.stringify(e.contributions), e.idempotencyKey, genre, age].map(copyField).join('\t');
    });
    await new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(lines.join('\n') + '\n');
    });
    const { rows } = await client.query({ name: 'bench-copy', text: COPY_INSERT });
    await client.query('COMMIT');
    return rows.length;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
};

async function main(): Promise<void> {
  const database = `attrition_bench_writes_${process.pid}`;
  await admin(`CREATE DATABASE ${database}`);
  const url = databaseUrl(database);
  const pool = new Pool({ connectionString: url, max: 1 });
  const writer = new PostgresPredictionWriter({ url });
  try {
    await runMigrations(buildDataSourceOptions({ url, migrationsRun: false }));
    const contract = JSON.parse(readFileSync(join(ROOT, 'models/attrition/contract.json'), 'utf8'));
    const parity = JSON.parse(readFileSync(join(ROOT, 'models/attrition/parity.json'), 'utf8')).rows as { features: Record<string, number | string> }[];
    const names = contract.contributions.names as string[];
    let key = 0;
    const entriesOf = (n: number): NewPredictionRecord[] =>
      Array.from({ length: n }, (_, i) => ({
        features: parity[i % parity.length].features,
        prediction: (i % 2) as 0 | 1,
        probability: Math.random(),
        threshold: contract.threshold,
        modelVersion: contract.model.version,
        contributions: Object.fromEntries(names.map((name) => [name, Math.random() - 0.5])),
        // Half of the entries carry a key, as retried clients would.
        idempotencyKey: i % 2 ? `bench-${process.pid}-${key++}` : undefined,
      }));
    const variants: [string, Variant][] = [
      ['arrays (before)', arrays],
      ['json (now)', async (_client, entries) => (await writer.insertMany(entries)).length],
      ['copy', copy],
    ];
    console.log('| rows per batch | variant | median ms per batch | Node CPU µs per row | rows/s (one connection) |');
    console.log('|---|---|---|---|---|');
    for (const [size, repeats] of [[1, 300], [128, 60], [1000, 20]] as const) {
      const samples = new Map<string, { ms: number[]; cpu: number }>(variants.map(([name]) => [name, { ms: [], cpu: 0 }]));
      const client = await pool.connect();
      // Interleaved, so that a busy moment of the shared machine hits every variant alike.
      for (let r = 0; r < repeats + 2; r++) {
        for (const [name, variant] of variants) {
          const entries = entriesOf(size);
          const cpuBefore = process.cpuUsage();
          const started = performance.now();
          const stored = await variant(client, entries);
          const ms = performance.now() - started;
          const cpu = process.cpuUsage(cpuBefore);
          if (stored !== size) throw new Error(`${name} stored ${stored} of ${size}`);
          if (r < 2) continue; // warm-up: prepared statements, temporary table
          samples.get(name)!.ms.push(ms);
          samples.get(name)!.cpu += cpu.user + cpu.system;
        }
      }
      client.release();
      for (const [name, { ms, cpu }] of samples) {
        ms.sort((a, b) => a - b);
        const median = ms[Math.floor(ms.length / 2)];
        console.log(`| ${size} | ${name} | ${median.toFixed(2)} | ${(cpu / (repeats * size)).toFixed(1)} | ${((size * 1000) / median).toFixed(0)} |`);
      }
    }
  } finally {
    await writer.close();
    await pool.end();
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
