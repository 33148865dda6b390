import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import BetterSqlite3 from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { configureSqlite, sqliteFile } from './data-source.options';
import { retryWhileBusy } from './sqlite-busy-retry';
import { fromSqliteTime, toSqliteTime } from './sqlite-time';
import { PERSISTENCE_OPTIONS, PersistenceModuleOptions } from './persistence.options';
import { translateDatabaseError } from './database-errors';
import { AUDITED_ATTRIBUTES } from './model-input.entity';
import {
  FeatureGroups,
  HistogramSpec,
  InputHistogram,
  MonitoringRepository,
  NewOutcome,
  OutcomeWrite,
  GroupAggregates,
  PerformanceAggregates,
  PredictionWindow,
  ProbabilityBucket,
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

  /**
   * One JSON text of the rows: an array per row of the given columns (numbers), so that thousands
   * of narrow rows come back as one string instead of one object per row and column.
   */
  jsonArrays(columns: string[], orderBy: string): string {
    return this.postgres
      ? `COALESCE(json_agg(json_build_array(${columns.join(', ')}) ORDER BY ${orderBy})::text, '[]')`
      : `json_group_array(json_array(${columns.join(', ')}) ORDER BY ${orderBy})`;
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
   * Audited attributes are read from their plain columns of model_inputs (no JSON); any other
   * feature from `features`.
   */
  groupings(groupings: FeatureGroups[]): { columns: string; from: string } {
    if (groupings.length === 0) return { columns: '0 AS gi, 0 AS g', from: '' };
    const value = (feature: string) => {
      const extracted = this.feature('i', feature, 'number'); // also checks the name
      return (AUDITED_ATTRIBUTES as readonly string[]).includes(feature) ? `i.${feature}` : extracted;
    };
    const cases = groupings.map((grouping, k) => {
      const index = grouping.cuts.map((cut) => `CASE WHEN ${value(grouping.feature)} >= ${this.number(cut)} THEN 1 ELSE 0 END`).join(' + ') || '0';
      return `WHEN ${k} THEN ${index}`;
    });
    const indexes = groupings.map((_, k) => `SELECT ${k} AS gi`).join(' UNION ALL ');
    return {
      columns: `k.gi AS gi, CASE k.gi ${cases.join(' ')} END AS g`,
      from: `JOIN model_inputs i ON i.id = o.input_id CROSS JOIN (${indexes}) k`,
    };
  }
}

function emptyAggregates(grouping: number, group: number): GroupAggregates {
  return {
    grouping, group, predictions: 0, predictedPositive: 0, probabilitySum: 0, n: 0, leavers: 0, brierSum: 0, logLossSum: 0,
    tp: 0, fp: 0, fn: 0, tn: 0, positives: 0, negatives: 0, placementSum: 0, positivePlacementSquares: 0,
    negativePlacementSquares: 0, precisionSum: 0,
  };
}

/** The sums a probability bucket row carries. */
const BUCKET_SUMS = ['n', 'leavers', 'leaver_probability_sum', 'stayer_probability_sum'];

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

  async groupAggregates(window: PredictionWindow, groupings: FeatureGroups[]): Promise<GroupAggregates[]> {
    return [...(await this.aggregates(window, groupings)).groups.values()];
  }

  async performanceAggregates(window: PredictionWindow, bins: number, resolution: number): Promise<PerformanceAggregates> {
    const { groups, buckets } = await this.aggregates(window, [], { bins, resolution });
    return { sums: groups.get('0:0') ?? emptyAggregates(0, 0), buckets };
  }

  /**
   * One statement: the predictions of the window (with their outcome, when known) once per
   * grouping, sorted once by probability within each group; window functions count, for each
   * prediction, the outcomes scored lower or equal (`*_le`), equal (`*_eq`, its peers) and in its
   * group (`*_all`), from which its rank placement and the precision at its score follow. Back come
   * one row of sums per group and, when `buckets` is given, in it one JSON text of the probability
   * buckets (six numbers each, at most resolution + bins of them; ordered like the probabilities,
   * so the same sort serves them): one row per group whatever the number of predictions. Counts are doubles (exact below 2^53, much
   * faster than PostgreSQL's numeric); placements are halves of integers, so the sums are exact.
   */
  private async aggregates(
    window: PredictionWindow,
    groupings: FeatureGroups[],
    buckets?: { bins: number; resolution: number },
  ): Promise<{ groups: Map<string, GroupAggregates>; buckets: ProbabilityBucket[] }> {
    const sql = new Sql(this.postgres);
    const grouped = sql.groupings(groupings);
    const k = buckets ? sql.number(buckets.bins) : '';
    // Without buckets, no bucket columns at all: a constant sort or group key still costs a sort.
    const bucketColumns = buckets
      ? `, CASE WHEN o.probability >= 1 THEN ${k} - 1 ELSE CAST(floor(o.probability * ${k}) AS INTEGER) END AS bin,
          CAST(floor(o.probability * ${sql.number(buckets.resolution)} + 0.5) AS INTEGER) AS bucket`
      : '';
    const keys = buckets ? 'gi, g, bin, bucket' : 'gi, g';
    const order = buckets ? 'bin, bucket, p' : 'p';
    const double = (expression: string) => `CAST(${expression} AS DOUBLE PRECISION)`;
    const placement = '(n_le - pos_le - 0.5 * (n_eq - pos_eq))';
    const stayerPlacement = '(pos_all - pos_le + 0.5 * pos_eq)';
    // Summed per key in `b`; per group in the rows returned and, with `buckets`, per probability
    // bucket in their JSON: only what the reliability table and the fit need.
    const sums: [string, string][] = [
      ['predictions', 'COUNT(*)'],
      ['predicted_positive', 'SUM(prediction)'],
      ['probability_sum', 'SUM(p)'],
      ['n', 'COUNT(y)'],
      ['leavers', 'COALESCE(SUM(y), 0)'],
      ['leaver_probability_sum', 'COALESCE(SUM(CASE WHEN y = 1 THEN p END), 0)'],
      ['stayer_probability_sum', 'COALESCE(SUM(CASE WHEN y = 0 THEN p END), 0)'],
      ['brier_sum', 'COALESCE(SUM((p - y) * (p - y)), 0)'],
      ['log_loss_sum', 'COALESCE(SUM(CASE WHEN y = 1 THEN -ln(pc) WHEN y = 0 THEN -ln(1 - pc) END), 0)'],
      ['tp', 'SUM(CASE WHEN prediction = 1 AND y = 1 THEN 1 ELSE 0 END)'],
      ['fp', 'SUM(CASE WHEN prediction = 1 AND y = 0 THEN 1 ELSE 0 END)'],
      ['fn', 'SUM(CASE WHEN prediction = 0 AND y = 1 THEN 1 ELSE 0 END)'],
      ['tn', 'SUM(CASE WHEN prediction = 0 AND y = 0 THEN 1 ELSE 0 END)'],
      ['placement_sum', `COALESCE(SUM(CASE WHEN y = 1 THEN ${placement} END), 0)`],
      ['pos_sq', `COALESCE(SUM(CASE WHEN y = 1 THEN ${placement} * ${placement} END), 0)`],
      ['neg_sq', `COALESCE(SUM(CASE WHEN y = 0 THEN ${stayerPlacement} * ${stayerPlacement} END), 0)`],
      ['precision_sum', 'COALESCE(SUM(CASE WHEN y = 1 THEN (pos_all - pos_le + pos_eq) / (n_all - n_le + n_eq) END), 0)'],
    ];
    const rows = await this.query(sql, `
      WITH s AS (
        SELECT ${grouped.columns}${bucketColumns}, o.prediction, o.probability AS p, ${CLIPPED} AS pc, c."left" AS y
        FROM model_outputs o
        LEFT JOIN model_outcomes c ON c.input_id = o.input_id
        ${grouped.from}
        WHERE o.probability IS NOT NULL AND ${sql.window('o', window)}
      ), w AS (
        SELECT ${keys}, prediction, p, pc, y,
          ${double('SUM(y) OVER up')} AS pos_le, ${double('COUNT(y) OVER up')} AS n_le,
          ${double('SUM(y) OVER eq')} AS pos_eq, ${double('COUNT(y) OVER eq')} AS n_eq,
          ${double('SUM(y) OVER part')} AS pos_all, ${double('COUNT(y) OVER part')} AS n_all
        FROM s
        WINDOW part AS (PARTITION BY gi, g), up AS (part ORDER BY ${order}),
          eq AS (part ORDER BY ${order} RANGE BETWEEN CURRENT ROW AND CURRENT ROW)
      ), b AS (
        SELECT ${keys}, ${sums.map(([alias, expression]) => `${double(expression)} AS ${alias}`).join(', ')}
        FROM w GROUP BY ${keys}
      )
      SELECT gi, g, ${sums.map(([alias]) => `SUM(${alias}) AS ${alias}`).join(', ')}
        ${buckets ? `, (SELECT ${sql.jsonArrays(['bin', 'bucket', ...BUCKET_SUMS], 'bin, bucket')} FROM b) AS buckets` : ''}
      FROM b GROUP BY gi, g
      ORDER BY gi, g`);
    const groups = new Map<string, GroupAggregates>();
    const bucketList: ProbabilityBucket[] = [];
    for (const r of rows) {
      const n = Number(r.n);
      const leavers = Number(r.leavers);
      if (buckets && typeof r.buckets === 'string') {
        // [bin, bucket, n, leavers, leaver probability sum, stayer probability sum] per bucket.
        for (const [bin, bucket, count, left, leaverSum, stayerSum] of JSON.parse(r.buckets) as number[][]) {
          const probability = bucket / buckets.resolution;
          if (count - left > 0) bucketList.push({ bin, probability, left: 0, n: count - left, probabilitySum: stayerSum });
          if (left > 0) bucketList.push({ bin, probability, left: 1, n: left, probabilitySum: leaverSum });
        }
      }
      groups.set(`${Number(r.gi)}:${Number(r.g)}`, {
        grouping: Number(r.gi),
        group: Number(r.g),
        predictions: Number(r.predictions),
        predictedPositive: Number(r.predicted_positive),
        probabilitySum: Number(r.probability_sum),
        n,
        leavers,
        brierSum: Number(r.brier_sum),
        logLossSum: Number(r.log_loss_sum),
        tp: Number(r.tp),
        fp: Number(r.fp),
        fn: Number(r.fn),
        tn: Number(r.tn),
        positives: leavers,
        negatives: n - leavers,
        placementSum: Number(r.placement_sum),
        positivePlacementSquares: Number(r.pos_sq),
        negativePlacementSquares: Number(r.neg_sq),
        precisionSum: Number(r.precision_sum),
      });
    }
    return { groups, buckets: bucketList };
  }

  async inputHistogram(window: PredictionWindow, spec: HistogramSpec): Promise<InputHistogram> {
    const sql = new Sql(this.postgres);
    const where = sql.window('i', window, false);
    const features = [
      ...spec.numeric.map(({ feature }) => ({ feature, as: 'number' as const })),
      ...spec.categorical.map(({ feature }) => ({ feature, as: 'text' as const })),
    ];
    const columns = ['COUNT(*) AS inputs'];
    // FILTER: a bare count per row that matches, cheaper than summing a CASE per row.
    const count = (alias: string, condition: string) => columns.push(`COUNT(*) FILTER (WHERE ${condition}) AS ${alias}`);
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
      if (!this.postgres) return await this.dataSource.query(text, sql.params);
      // Without JIT: at 100,000 rows the costs of the fairness and (serial) drift plans pass
      // jit_above_cost, and compiling their expressions took 0.08-0.1 s and 0.39 s (EXPLAIN
      // ANALYZE), more than it saves on one pass over the rows.
      return await this.dataSource.transaction(async (manager) => {
        await manager.query('SET LOCAL jit = off');
        return manager.query(text, sql.params);
      });
    } catch (error) {
      translateDatabaseError(error);
    }
  }

  private async upsertPostgres(outcomes: readonly NewOutcome[]): Promise<OutcomeWrite[]> {
    // Unknown inputs are filtered by the join instead of failing the statement on the foreign key.
    // FOR KEY SHARE locks each input joined: an erasure that committed after this statement's
    // snapshot was taken drops the input from the join (READ COMMITTED re-checks a locked row)
    // instead of failing the foreign key with 23503, and one that starts later waits for this
    // transaction, then deletes the outcome with its input. xmax = 0 tells a fresh row from one
    // that ON CONFLICT updated.
    const rows: { input_id: number; created: boolean; observed_at: Date; recorded_at: Date }[] = await this.dataSource.query(
      `WITH data AS (
         SELECT * FROM unnest($1::int[], $2::int[], $3::timestamptz[]) AS d(input_id, "left", observed_at)
       )
       INSERT INTO model_outcomes (input_id, "left", observed_at)
       SELECT d.input_id, d."left", d.observed_at FROM data d JOIN model_inputs i ON i.id = d.input_id
       FOR KEY SHARE OF i
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
