import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import BetterSqlite3 from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { configureSqlite, sqliteFile } from './data-source.options';
import { retryWhileBusy } from './sqlite-busy-retry';
import { fromSqliteTime, toSqliteTime } from './sqlite-time';
import { PERSISTENCE_OPTIONS, PersistenceModuleOptions } from './persistence.options';
import { translateDatabaseError } from './database-errors';
import {
  FeatureGroups,
  HistogramSpec,
  InputHistogram,
  MonitoringRepository,
  NewOutcome,
  OutcomeWrite,
  PredictionSums,
  PredictionWindow,
  ProbabilityBucket,
  RankSums,
} from './monitoring.repository';

const FEATURE_NAME = /^[a-z_]{1,64}$/;
const EPSILON = 1e-15;

/**
 * Builds one statement for PostgreSQL ($n, jsonb) or SQLite (?, JSON text). SQLite binds `?` in
 * text order, so parameters are used in WHERE clauses only (built in text order); values from the
 * model's contract are written as literals.
 */
class Sql {
  readonly params: unknown[] = [];

  constructor(private readonly postgres: boolean) {}

  /** A bound parameter; `pgType` casts it on PostgreSQL, where untyped parameters can be ambiguous. */
  param(value: unknown, pgType?: string): string {
    this.params.push(value);
    if (!this.postgres) return '?';
    return pgType ? `$${this.params.length}::${pgType}` : `$${this.params.length}`;
  }

  /** A finite number written into the statement (only numbers from the model's contract get here). */
  number(value: number): string {
    if (!Number.isFinite(value)) throw new Error(`Not a finite number: ${value}`);
    return `(${String(value)})`;
  }

  /** A string literal (only labels from the model's contract get here), quotes doubled. */
  text(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
  }

  /** A raw feature of `input.features`, as a number or as text. */
  feature(alias: string, name: string, as: 'number' | 'text'): string {
    if (!FEATURE_NAME.test(name)) throw new Error(`Not a feature name: ${name}`);
    if (this.postgres) return as === 'number' ? `(${alias}.features->>'${name}')::float8` : `(${alias}.features->>'${name}')`;
    return `json_extract(${alias}.features, '$.${name}')`;
  }

  /**
   * The features of the inputs matching `where`, as typed columns named like the features, under
   * the alias `f`: each row's JSON is read once (jsonb_to_record on PostgreSQL, a materialized
   * CTE of json_extract on SQLite), not once per reference.
   */
  featureRows(features: { feature: string; as: 'number' | 'text' }[], where: string): string {
    features.forEach(({ feature }) => this.feature('i', feature, 'text'));
    if (this.postgres) {
      const record = features.map(({ feature, as }) => `"${feature}" ${as === 'number' ? 'float8' : 'text'}`).join(', ');
      return `model_inputs i CROSS JOIN LATERAL jsonb_to_record(i.features) AS f(${record}) WHERE ${where}`;
    }
    const extracted = features.map(({ feature, as }) => `${this.feature('i', feature, as)} AS "${feature}"`);
    // A plain subquery would be flattened into the aggregate, extracting once per reference.
    return `(WITH v AS MATERIALIZED (SELECT ${extracted.join(', ')} FROM model_inputs i WHERE ${where}) SELECT * FROM v) f`;
  }

  /** SQLite keeps timestamps as 'YYYY-MM-DD HH:MM:SS.SSS' UTC text; better-sqlite3 cannot bind a Date. */
  date(value: Date): string {
    return this.postgres ? this.param(value, 'timestamptz') : this.param(toSqliteTime(value));
  }

  /** The WHERE clause of a window on `alias`.created_at (and model_version when `versioned`). */
  window(alias: string, window: PredictionWindow, versioned = true): string {
    const clauses = ['1 = 1'];
    if (window.from) clauses.push(`${alias}.created_at >= ${this.date(window.from)}`);
    if (window.to) clauses.push(`${alias}.created_at < ${this.date(window.to)}`);
    if (versioned && window.modelVersion !== undefined) clauses.push(`${alias}.model_version = ${this.param(window.modelVersion, 'varchar')}`);
    return clauses.join(' AND ');
  }

  /**
   * Columns `gi` (which grouping) and `g` (the group in it), and the FROM item that repeats each
   * row once per grouping, so one scan serves every grouping. Without groupings: one group, 0.
   */
  groupings(groupings: FeatureGroups[]): { columns: string; from: string } {
    if (groupings.length === 0) return { columns: '0 AS gi, 0 AS g', from: '' };
    const cases = groupings.map((grouping, k) => {
      const value = this.feature('i', grouping.feature, 'number');
      const index = grouping.cuts.map((cut) => `CASE WHEN ${value} >= ${this.number(cut)} THEN 1 ELSE 0 END`).join(' + ') || '0';
      return `WHEN ${k} THEN ${index}`;
    });
    const indexes = groupings.map((_, k) => `SELECT ${k} AS gi`).join(' UNION ALL ');
    return {
      columns: `k.gi AS gi, CASE k.gi ${cases.join(' ')} END AS g`,
      from: `JOIN model_inputs i ON i.id = o.input_id CROSS JOIN (${indexes}) k`,
    };
  }
}

/** Probability clipped away from 0 and 1, so logarithms stay finite. */
const CLIPPED = `CASE WHEN o.probability < ${EPSILON} THEN ${EPSILON} WHEN o.probability > 1 - ${EPSILON} THEN 1 - ${EPSILON} ELSE o.probability END`;


/**
 * Outcome upserts (one statement on PostgreSQL, one synchronous transaction on SQLite, like the
 * prediction writers) and the aggregate queries of live monitoring, each one round trip.
 */
@Injectable()
export class TypeOrmMonitoringRepository extends MonitoringRepository implements OnModuleDestroy {
  /** SQLite only: a handle of our own for the synchronous outcome transaction (never TypeORM's). */
  private sqliteHandle?: BetterSqlite3.Database;
  private writeOutcomes?: (outcomes: readonly NewOutcome[]) => OutcomeWrite[];

  private readonly postgres: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PERSISTENCE_OPTIONS) private readonly options: PersistenceModuleOptions,
  ) {
    super();
    this.postgres = dataSource.options.type === 'postgres';
  }

  onModuleDestroy(): void {
    this.sqliteHandle?.close();
  }

  async recordOutcomes(outcomes: readonly NewOutcome[]): Promise<OutcomeWrite[]> {
    if (outcomes.length === 0) return [];
    try {
      return await (this.postgres ? this.upsertPostgres(outcomes) : this.upsertSqlite(outcomes));
    } catch (error) {
      translateDatabaseError(error);
    }
  }

  async predictionSums(window: PredictionWindow, groupings: FeatureGroups[] = []): Promise<PredictionSums[]> {
    const sql = new Sql(this.postgres);
    const grouped = sql.groupings(groupings);
    const rows = await this.query(sql, `
      SELECT gi, g, COUNT(*) AS predictions, SUM(prediction) AS predicted_positive, SUM(p) AS probability_sum,
        COUNT(y) AS n, COALESCE(SUM(y), 0) AS leavers,
        COALESCE(SUM((p - y) * (p - y)), 0) AS brier_sum,
        COALESCE(SUM(CASE WHEN y = 1 THEN -ln(pc) WHEN y = 0 THEN -ln(1 - pc) END), 0) AS log_loss_sum,
        SUM(CASE WHEN prediction = 1 AND y = 1 THEN 1 ELSE 0 END) AS tp,
        SUM(CASE WHEN prediction = 1 AND y = 0 THEN 1 ELSE 0 END) AS fp,
        SUM(CASE WHEN prediction = 0 AND y = 1 THEN 1 ELSE 0 END) AS fn,
        SUM(CASE WHEN prediction = 0 AND y = 0 THEN 1 ELSE 0 END) AS tn
      FROM (
        SELECT ${grouped.columns}, o.prediction, o.probability AS p, ${CLIPPED} AS pc, c."left" AS y
        FROM model_outputs o
        LEFT JOIN model_outcomes c ON c.input_id = o.input_id
        ${grouped.from}
        WHERE o.probability IS NOT NULL AND ${sql.window('o', window)}
      ) s
      GROUP BY gi, g ORDER BY gi, g`);
    return rows.map((r) => ({
      grouping: Number(r.gi),
      group: Number(r.g),
      predictions: Number(r.predictions),
      predictedPositive: Number(r.predicted_positive),
      probabilitySum: Number(r.probability_sum),
      n: Number(r.n),
      leavers: Number(r.leavers),
      brierSum: Number(r.brier_sum),
      logLossSum: Number(r.log_loss_sum),
      tp: Number(r.tp),
      fp: Number(r.fp),
      fn: Number(r.fn),
      tn: Number(r.tn),
    }));
  }

  async rankSums(window: PredictionWindow, groupings: FeatureGroups[] = []): Promise<RankSums[]> {
    const sql = new Sql(this.postgres);
    const grouped = sql.groupings(groupings);
    // One row per distinct probability (and group), one ascending sort, running sums. Counts are
    // doubles (exact below 2^53, and much faster than PostgreSQL's numeric); all terms are
    // integers or halves of integers until the last division, so the AUC is exact.
    const rows = await this.query(sql, `
      WITH s AS (
        SELECT ${grouped.columns}, o.probability AS p, c."left" AS y
        FROM model_outputs o
        JOIN model_outcomes c ON c.input_id = o.input_id
        ${grouped.from}
        WHERE o.probability IS NOT NULL AND ${sql.window('o', window)}
      ), v AS (
        SELECT gi, g, p, CAST(SUM(y) AS DOUBLE PRECISION) AS pos, CAST(COUNT(*) - SUM(y) AS DOUBLE PRECISION) AS neg
        FROM s GROUP BY gi, g, p
      ), c AS (
        SELECT gi, g, pos, neg,
          SUM(pos) OVER (PARTITION BY gi, g ORDER BY p ROWS UNBOUNDED PRECEDING) - pos AS pos_below,
          SUM(neg) OVER (PARTITION BY gi, g ORDER BY p ROWS UNBOUNDED PRECEDING) - neg AS neg_below,
          SUM(pos) OVER (PARTITION BY gi, g) AS pos_total,
          SUM(neg) OVER (PARTITION BY gi, g) AS neg_total
        FROM v
      ), w AS (
        SELECT gi, g, pos, neg,
          neg_below + 0.5 * neg AS pos_place,
          pos_total - pos_below - pos + 0.5 * pos AS neg_place,
          pos_total - pos_below AS tp_cum,
          pos_total + neg_total - pos_below - neg_below AS flagged_cum
        FROM c
      )
      SELECT gi, g, SUM(pos) AS positives, SUM(neg) AS negatives,
        SUM(pos * pos_place) AS placement_sum,
        SUM(pos * pos_place * pos_place) AS pos_sq,
        SUM(neg * neg_place * neg_place) AS neg_sq,
        SUM(CASE WHEN pos > 0 THEN pos * tp_cum / flagged_cum ELSE 0 END) AS precision_sum
      FROM w GROUP BY gi, g ORDER BY gi, g`);
    return rows.map((r) => ({
      grouping: Number(r.gi),
      group: Number(r.g),
      positives: Number(r.positives),
      negatives: Number(r.negatives),
      placementSum: Number(r.placement_sum),
      positivePlacementSquares: Number(r.pos_sq),
      negativePlacementSquares: Number(r.neg_sq),
      precisionSum: Number(r.precision_sum),
    }));
  }

  async probabilityBuckets(window: PredictionWindow, bins: number, resolution: number): Promise<ProbabilityBucket[]> {
    const sql = new Sql(this.postgres);
    const k = sql.number(bins);
    const r = sql.number(resolution);
    const rows = await this.query(sql, `
      SELECT bin, bucket, y, COUNT(*) AS n, SUM(p) AS probability_sum
      FROM (
        SELECT CASE WHEN o.probability >= 1 THEN ${k} - 1 ELSE CAST(floor(o.probability * ${k}) AS INTEGER) END AS bin,
          CAST(floor(o.probability * ${r} + 0.5) AS INTEGER) AS bucket, o.probability AS p, c."left" AS y
        FROM model_outputs o JOIN model_outcomes c ON c.input_id = o.input_id
        WHERE o.probability IS NOT NULL AND ${sql.window('o', window)}
      ) s
      GROUP BY bin, bucket, y ORDER BY bin, bucket, y`);
    return rows.map((row) => ({
      bin: Number(row.bin),
      probability: Number(row.bucket) / resolution,
      left: Number(row.y) === 1 ? 1 : 0,
      n: Number(row.n),
      probabilitySum: Number(row.probability_sum),
    }));
  }

  async inputHistogram(window: PredictionWindow, spec: HistogramSpec): Promise<InputHistogram> {
    const sql = new Sql(this.postgres);
    const where = sql.window('i', window, false);
    const features = [
      ...spec.numeric.map(({ feature }) => ({ feature, as: 'number' as const })),
      ...spec.categorical.map(({ feature }) => ({ feature, as: 'text' as const })),
    ];
    const columns = ['COUNT(*) AS inputs'];
    const count = (alias: string, condition: string) => columns.push(`SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END) AS ${alias}`);
    spec.numeric.forEach(({ feature, edges, range }, f) => {
      const value = `f."${feature}"`;
      edges.forEach((edge, e) => count(`n${f}_${e}`, `${value} <= ${sql.number(edge)}`));
      if (range) count(`n${f}_out`, `${value} < ${sql.number(range.min)} OR ${value} > ${sql.number(range.max)}`);
    });
    spec.categorical.forEach(({ feature, labels }, f) => {
      labels.forEach((label, l) => count(`c${f}_${l}`, `f."${feature}" = ${sql.text(label)}`));
    });
    const [row] = await this.query(sql, `SELECT ${columns.join(', ')} FROM ${sql.featureRows(features, where)}`);
    const inputs = Number(row.inputs);
    const numberAt = (alias: string) => Number(row[alias] ?? 0);
    const result: InputHistogram = { inputs, numeric: {}, categorical: {} };
    spec.numeric.forEach(({ feature, edges, range }, f) => {
      // Cumulative counts (v <= edge) to counts per bin.
      const cumulative = [...edges.map((_, e) => numberAt(`n${f}_${e}`)), inputs];
      result.numeric[feature] = {
        counts: cumulative.map((c, e) => c - (e === 0 ? 0 : cumulative[e - 1])),
        outsideRange: range ? numberAt(`n${f}_out`) : 0,
      };
    });
    spec.categorical.forEach(({ feature, labels }, f) => {
      const counts = Object.fromEntries(labels.map((label, l) => [label, numberAt(`c${f}_${l}`)]));
      const known = Object.values(counts).reduce((a, b) => a + b, 0);
      result.categorical[feature] = { counts, unseen: inputs - known };
    });
    return result;
  }

  private async query(sql: Sql, text: string): Promise<Record<string, unknown>[]> {
    try {
      return await this.dataSource.query(text, sql.params);
    } catch (error) {
      translateDatabaseError(error);
    }
  }

  private async upsertPostgres(outcomes: readonly NewOutcome[]): Promise<OutcomeWrite[]> {
    // Unknown inputs are filtered by the join instead of failing the statement on the foreign key;
    // xmax = 0 tells a fresh row from one that ON CONFLICT updated.
    const rows: { input_id: number; created: boolean; observed_at: Date; recorded_at: Date }[] = await this.dataSource.query(
      `WITH data AS (
         SELECT * FROM unnest($1::int[], $2::int[], $3::timestamptz[]) AS d(input_id, "left", observed_at)
       )
       INSERT INTO model_outcomes (input_id, "left", observed_at)
       SELECT d.input_id, d."left", d.observed_at FROM data d JOIN model_inputs i ON i.id = d.input_id
       ON CONFLICT (input_id) DO UPDATE SET "left" = EXCLUDED."left", observed_at = EXCLUDED.observed_at, recorded_at = now()
       RETURNING input_id, (xmax = 0) AS created, observed_at, recorded_at`,
      [outcomes.map((o) => o.inputId), outcomes.map((o) => o.left), outcomes.map((o) => o.observedAt)],
    );
    const byId = new Map(rows.map((r) => [r.input_id, r]));
    return outcomes.map((o) => {
      const row = byId.get(o.inputId);
      if (!row) return { status: 'input_not_found', inputId: o.inputId };
      return { status: row.created ? 'created' : 'replaced', outcome: { ...o, observedAt: row.observed_at, recordedAt: row.recorded_at } };
    });
  }

  /** Waits off the event loop while another process holds the write lock, as the prediction writer does. */
  private upsertSqlite(outcomes: readonly NewOutcome[]): Promise<OutcomeWrite[]> {
    this.writeOutcomes ??= this.prepareSqliteWrite();
    const write = this.writeOutcomes;
    return retryWhileBusy(() => write(outcomes));
  }

  /** The outcome transaction on a handle of our own, prepared once. */
  private prepareSqliteWrite(): (outcomes: readonly NewOutcome[]) => OutcomeWrite[] {
    const db = (this.sqliteHandle = new BetterSqlite3(sqliteFile(this.options)));
    configureSqlite(db);
    const inputExists = db.prepare('SELECT 1 AS found FROM model_inputs WHERE id = ?');
    const existing = db.prepare('SELECT 1 AS found FROM model_outcomes WHERE input_id = ?');
    const upsert = db.prepare(
      `INSERT INTO model_outcomes (input_id, "left", observed_at) VALUES (?, ?, ?)
       ON CONFLICT (input_id) DO UPDATE SET "left" = excluded."left", observed_at = excluded.observed_at,
         recorded_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
       RETURNING recorded_at`,
    );
    // Synchronous: nothing else runs on the connection between the checks and the writes.
    return db.transaction((items: readonly NewOutcome[]) =>
      items.map((o): OutcomeWrite => {
        if (!inputExists.get(o.inputId)) return { status: 'input_not_found', inputId: o.inputId };
        const replaced = existing.get(o.inputId) !== undefined;
        const row = upsert.get(o.inputId, o.left, toSqliteTime(o.observedAt)) as { recorded_at: string };
        return { status: replaced ? 'replaced' : 'created', outcome: { ...o, recordedAt: fromSqliteTime(row.recorded_at) } };
      }),
    );
  }
}
