import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { translateDatabaseError } from './database-errors';
import {
  FeatureGroups,
  HistogramSpec,
  InputHistogram,
  LogisticSums,
  MonitoringRepository,
  NewOutcome,
  OutcomeWrite,
  PredictionSums,
  PredictionWindow,
  ProbabilityBin,
  RankSums,
} from './monitoring.repository';

const FEATURE_NAME = /^[a-z_]{1,64}$/;
const EPSILON = 1e-15;

/** Builds one statement for PostgreSQL ($n, jsonb) or SQLite (?, JSON text). */
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

  /** A raw feature of `input.features`, as a number or as text. */
  feature(alias: string, name: string, as: 'number' | 'text'): string {
    if (!FEATURE_NAME.test(name)) throw new Error(`Not a feature name: ${name}`);
    if (this.postgres) return as === 'number' ? `(${alias}.features->>'${name}')::float8` : `(${alias}.features->>'${name}')`;
    return `json_extract(${alias}.features, '$.${name}')`;
  }

  /** SQLite keeps timestamps as 'YYYY-MM-DD HH:MM:SS.SSS' UTC text; better-sqlite3 cannot bind a Date. */
  date(value: Date): string {
    return this.postgres ? this.param(value, 'timestamptz') : this.param(toSqliteText(value));
  }

  /** The WHERE clause of a window on `alias`.created_at (and model_version when `versioned`). */
  window(alias: string, window: PredictionWindow, versioned = true): string {
    const clauses = ['1 = 1'];
    if (window.from) clauses.push(`${alias}.created_at >= ${this.date(window.from)}`);
    if (window.to) clauses.push(`${alias}.created_at < ${this.date(window.to)}`);
    if (versioned && window.modelVersion !== undefined) clauses.push(`${alias}.model_version = ${this.param(window.modelVersion, 'varchar')}`);
    return clauses.join(' AND ');
  }

  /** Group index of a numeric feature: how many cuts are at or below its value; 0 without grouping. */
  group(groups?: FeatureGroups): string {
    if (!groups) return '0';
    const value = this.feature('i', groups.feature, 'number');
    return `(${groups.cuts.map((cut) => `CASE WHEN ${value} >= ${this.number(cut)} THEN 1 ELSE 0 END`).join(' + ') || '0'})`;
  }
}

/** Grouping reads the input's features; without it the join is not needed. */
function joinInputs(groups?: FeatureGroups): string {
  return groups ? 'JOIN model_inputs i ON i.id = o.input_id' : '';
}

/** Probability clipped away from 0 and 1, so logarithms stay finite. */
const CLIPPED = `CASE WHEN o.probability < ${EPSILON} THEN ${EPSILON} WHEN o.probability > 1 - ${EPSILON} THEN 1 - ${EPSILON} ELSE o.probability END`;

interface BetterSqliteStatement {
  get(...params: unknown[]): unknown;
}

interface BetterSqliteDatabase {
  prepare(sql: string): BetterSqliteStatement;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
}

/**
 * Outcome upserts (one statement on PostgreSQL, one synchronous transaction on SQLite, like the
 * prediction writers) and the aggregate queries of live monitoring, each one round trip.
 */
@Injectable()
export class TypeOrmMonitoringRepository extends MonitoringRepository {
  private readonly postgres: boolean;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
    this.postgres = dataSource.options.type === 'postgres';
  }

  async recordOutcomes(outcomes: readonly NewOutcome[]): Promise<OutcomeWrite[]> {
    if (outcomes.length === 0) return [];
    try {
      return this.postgres ? await this.upsertPostgres(outcomes) : this.upsertSqlite(outcomes);
    } catch (error) {
      translateDatabaseError(error);
    }
  }

  async predictionSums(window: PredictionWindow, groups?: FeatureGroups): Promise<PredictionSums[]> {
    const sql = new Sql(this.postgres);
    const rows = await this.query(sql, `
      SELECT g, COUNT(*) AS predictions, SUM(prediction) AS predicted_positive, SUM(p) AS probability_sum,
        COUNT(y) AS n, COALESCE(SUM(y), 0) AS leavers,
        COALESCE(SUM((p - y) * (p - y)), 0) AS brier_sum,
        COALESCE(SUM(CASE WHEN y = 1 THEN -ln(pc) WHEN y = 0 THEN -ln(1 - pc) END), 0) AS log_loss_sum,
        SUM(CASE WHEN prediction = 1 AND y = 1 THEN 1 ELSE 0 END) AS tp,
        SUM(CASE WHEN prediction = 1 AND y = 0 THEN 1 ELSE 0 END) AS fp,
        SUM(CASE WHEN prediction = 0 AND y = 1 THEN 1 ELSE 0 END) AS fn,
        SUM(CASE WHEN prediction = 0 AND y = 0 THEN 1 ELSE 0 END) AS tn
      FROM (
        SELECT ${sql.group(groups)} AS g, o.prediction, o.probability AS p, ${CLIPPED} AS pc, c."left" AS y
        FROM model_outputs o
        ${joinInputs(groups)}
        LEFT JOIN model_outcomes c ON c.input_id = o.input_id
        WHERE o.probability IS NOT NULL AND ${sql.window('o', window)}
      ) s
      GROUP BY g ORDER BY g`);
    return rows.map((r) => ({
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

  async rankSums(window: PredictionWindow, groups?: FeatureGroups): Promise<RankSums[]> {
    const sql = new Sql(this.postgres);
    // One row per distinct probability (and group), then running sums in both directions. All
    // terms are integers or halves of integers until the last division, so the AUC is exact.
    const rows = await this.query(sql, `
      WITH s AS (
        SELECT ${sql.group(groups)} AS g, o.probability AS p, c."left" AS y
        FROM model_outputs o
        JOIN model_outcomes c ON c.input_id = o.input_id
        ${joinInputs(groups)}
        WHERE o.probability IS NOT NULL AND ${sql.window('o', window)}
      ), v AS (
        SELECT g, p, SUM(y) AS pos, COUNT(*) - SUM(y) AS neg FROM s GROUP BY g, p
      ), w AS (
        SELECT g, pos, neg,
          COALESCE(SUM(neg) OVER (PARTITION BY g ORDER BY p ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) + 0.5 * neg AS pos_place,
          COALESCE(SUM(pos) OVER (PARTITION BY g ORDER BY p ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), 0) + 0.5 * pos AS neg_place,
          SUM(pos) OVER (PARTITION BY g ORDER BY p DESC ROWS UNBOUNDED PRECEDING) AS tp_cum,
          SUM(pos + neg) OVER (PARTITION BY g ORDER BY p DESC ROWS UNBOUNDED PRECEDING) AS flagged_cum
        FROM v
      )
      SELECT g, SUM(pos) AS positives, SUM(neg) AS negatives,
        SUM(pos * pos_place) AS placement_sum,
        SUM(pos * pos_place * pos_place) AS pos_sq,
        SUM(neg * neg_place * neg_place) AS neg_sq,
        SUM(CASE WHEN pos > 0 THEN pos * 1.0 * tp_cum / flagged_cum ELSE 0 END) AS precision_sum
      FROM w GROUP BY g ORDER BY g`);
    return rows.map((r) => ({
      group: Number(r.g),
      positives: Number(r.positives),
      negatives: Number(r.negatives),
      placementSum: Number(r.placement_sum),
      positivePlacementSquares: Number(r.pos_sq),
      negativePlacementSquares: Number(r.neg_sq),
      precisionSum: Number(r.precision_sum),
    }));
  }

  async probabilityBins(window: PredictionWindow, bins: number): Promise<ProbabilityBin[]> {
    const sql = new Sql(this.postgres);
    const k = sql.number(bins);
    const rows = await this.query(sql, `
      SELECT bin, COUNT(*) AS n, SUM(p) AS probability_sum, SUM(y) AS leavers
      FROM (
        SELECT CASE WHEN o.probability >= 1 THEN ${k} - 1 ELSE CAST(floor(o.probability * ${k}) AS INTEGER) END AS bin,
          o.probability AS p, c."left" AS y
        FROM model_outputs o JOIN model_outcomes c ON c.input_id = o.input_id
        WHERE o.probability IS NOT NULL AND ${sql.window('o', window)}
      ) s
      GROUP BY bin ORDER BY bin`);
    return rows.map((r) => ({ bin: Number(r.bin), n: Number(r.n), probabilitySum: Number(r.probability_sum), leavers: Number(r.leavers) }));
  }

  async logisticSums(window: PredictionWindow, intercept: number, slope: number): Promise<LogisticSums> {
    const sql = new Sql(this.postgres);
    const a = sql.number(intercept);
    const b = sql.number(slope);
    // z is clamped so exp() cannot overflow on a diverging fit.
    const [r] = await this.query(sql, `
      SELECT COALESCE(SUM(y - q), 0) AS g0, COALESCE(SUM(x * (y - q)), 0) AS g1, COALESCE(SUM(q * (1 - q)), 0) AS h00,
        COALESCE(SUM(x * q * (1 - q)), 0) AS h01, COALESCE(SUM(x * x * q * (1 - q)), 0) AS h11
      FROM (
        SELECT y, x, 1.0 / (1.0 + exp(-(CASE WHEN z > 700 THEN 700 WHEN z < -700 THEN -700 ELSE z END))) AS q
        FROM (
          SELECT y, x, ${a} + ${b} * x AS z
          FROM (
            SELECT c."left" AS y, ln((${CLIPPED}) / (1 - (${CLIPPED}))) AS x
            FROM model_outputs o JOIN model_outcomes c ON c.input_id = o.input_id
            WHERE o.probability IS NOT NULL AND ${sql.window('o', window)}
          ) t
        ) u
      ) v`);
    return { g0: Number(r.g0), g1: Number(r.g1), h00: Number(r.h00), h01: Number(r.h01), h11: Number(r.h11) };
  }

  async inputHistogram(window: PredictionWindow, spec: HistogramSpec): Promise<InputHistogram> {
    const sql = new Sql(this.postgres);
    // SQLite binds `?` by position: the WHERE comes first in the text, so its parameters are bound first.
    const where = sql.window('i', window, false);
    const extracted = ['1 AS one'];
    const columns = ['COUNT(*) AS inputs'];
    const count = (alias: string, condition: string) => columns.push(`SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END) AS ${alias}`);
    spec.numeric.forEach(({ feature, edges, range }, f) => {
      extracted.push(`${sql.feature('i', feature, 'number')} AS n${f}`);
      edges.forEach((edge, e) => count(`n${f}_${e}`, `n${f} <= ${sql.number(edge)}`));
      if (range) count(`n${f}_out`, `n${f} < ${sql.number(range.min)} OR n${f} > ${sql.number(range.max)}`);
    });
    spec.categorical.forEach(({ feature, labels }, f) => {
      extracted.push(`${sql.feature('i', feature, 'text')} AS c${f}`);
      labels.forEach((label, l) => count(`c${f}_${l}`, `c${f} = ${sql.param(label, 'text')}`));
    });
    // Each feature is extracted from the JSON once per row (a materialized CTE), then only compared.
    const [row] = await this.query(sql, `
      WITH v AS MATERIALIZED (SELECT ${extracted.join(', ')} FROM model_inputs i WHERE ${where})
      SELECT ${columns.join(', ')} FROM v`);
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

  private upsertSqlite(outcomes: readonly NewOutcome[]): OutcomeWrite[] {
    const db = (this.dataSource.driver as unknown as { databaseConnection: BetterSqliteDatabase }).databaseConnection;
    const inputExists = db.prepare('SELECT 1 AS found FROM model_inputs WHERE id = ?');
    const existing = db.prepare('SELECT 1 AS found FROM model_outcomes WHERE input_id = ?');
    const upsert = db.prepare(
      `INSERT INTO model_outcomes (input_id, "left", observed_at) VALUES (?, ?, ?)
       ON CONFLICT (input_id) DO UPDATE SET "left" = excluded."left", observed_at = excluded.observed_at,
         recorded_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
       RETURNING recorded_at`,
    );
    // Synchronous: nothing else runs on the shared connection between the checks and the writes.
    const write = db.transaction((items: readonly NewOutcome[]) =>
      items.map((o): OutcomeWrite => {
        if (!inputExists.get(o.inputId)) return { status: 'input_not_found', inputId: o.inputId };
        const replaced = existing.get(o.inputId) !== undefined;
        const row = upsert.get(o.inputId, o.left, toSqliteText(o.observedAt)) as { recorded_at: string };
        return { status: replaced ? 'replaced' : 'created', outcome: { ...o, recordedAt: fromSqliteText(row.recorded_at) } };
      }),
    );
    return write(outcomes);
  }
}

function toSqliteText(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

function fromSqliteText(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}Z`);
}
