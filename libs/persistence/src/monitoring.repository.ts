/** The observed outcome of one stored input: did the person leave? */
export interface NewOutcome {
  inputId: number;
  left: 0 | 1;
  observedAt: Date;
}

export interface OutcomeRecord extends NewOutcome {
  recordedAt: Date;
}

/** What `recordOutcomes` did with one outcome. */
export type OutcomeWrite =
  | { status: 'created' | 'replaced'; outcome: OutcomeRecord }
  | { status: 'input_not_found'; inputId: number };

/** Stored predictions to aggregate: `from` inclusive, `to` exclusive, on the prediction's created_at. */
export interface PredictionWindow {
  from?: Date;
  to?: Date;
  modelVersion?: string;
}

/**
 * Groups rows by a numeric raw feature: group k holds the values with exactly k cuts at or below
 * them (cuts [30, 40, 50] on age: < 30, 30-39, 40-49, >= 50).
 */
export interface FeatureGroups {
  feature: string;
  cuts: number[];
}

/** Counts and sums over predictions in one group; the outcome figures cover those with an outcome. */
export interface PredictionSums {
  /** Index of the grouping in the request (0 without groupings). */
  grouping: number;
  group: number;
  predictions: number;
  predictedPositive: number;
  probabilitySum: number;
  /** Predictions with an outcome. */
  n: number;
  leavers: number;
  /** Σ (p - y)² over predictions with an outcome. */
  brierSum: number;
  /** Σ -(y ln p + (1 - y) ln(1 - p)), p clipped to [1e-15, 1 - 1e-15]. */
  logLossSum: number;
  /** Confusion matrix at the threshold stored with each prediction (its `prediction` label). */
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/**
 * Rank sums over predictions with an outcome, from one pass over the probabilities in ascending
 * order (window functions, ties as peers), exact: for each leaver, `placement` = stayers scored lower
 * + half the stayers scored equal; for each stayer, leavers scored higher + half those equal.
 */
export interface RankSums {
  grouping: number;
  group: number;
  positives: number;
  negatives: number;
  /** Σ placement over leavers: ROC AUC = placementSum / (positives × negatives). */
  placementSum: number;
  /** Σ placement² over leavers (DeLong's variance). */
  positivePlacementSquares: number;
  /** Σ placement² over stayers (DeLong's variance). */
  negativePlacementSquares: number;
  /** Σ over distinct probabilities of leavers there × precision at that threshold: AP = this / positives. */
  precisionSum: number;
}

/**
 * Predictions with an outcome, counted per reliability bin (equal-width over [0, 1]), per
 * probability rounded to 1 / resolution, and per outcome: at most bins × (resolution + 1) × 2
 * rows whatever the number of predictions.
 */
export interface ProbabilityBucket {
  bin: number;
  /** The probability rounded to the bucket. */
  probability: number;
  left: 0 | 1;
  n: number;
  /** Σ of the exact probabilities in the bucket. */
  probabilitySum: number;
}

/** Prediction sums and rank sums of one group (`positives` = `leavers`, `negatives` = `n - leavers`). */
export type GroupAggregates = PredictionSums & RankSums;

export interface PerformanceAggregates {
  sums: GroupAggregates;
  /** Only buckets with at least one prediction with that outcome. */
  buckets: ProbabilityBucket[];
}

/** Which features to histogram over the inputs of a window. */
export interface HistogramSpec {
  numeric: { feature: string; edges: number[]; range?: { min: number; max: number } }[];
  categorical: { feature: string; labels: string[] }[];
}

export interface InputHistogram {
  inputs: number;
  /** Per numeric feature: rows per right-closed bin (edges[i-1] < v <= edges[i]), and rows outside `range`. */
  numeric: Record<string, { counts: number[]; outsideRange: number }>;
  /** Per categorical feature: rows per label, and rows with any other label. */
  categorical: Record<string, { counts: Record<string, number>; unseen: number }>;
}

/**
 * Outcomes and the aggregates live monitoring is computed from. Every read is one aggregate
 * query: no method returns or holds one row per prediction.
 */
export abstract class MonitoringRepository {
  /** Creates or replaces outcomes in one transaction, answered in order; input ids must be distinct. */
  abstract recordOutcomes(outcomes: readonly NewOutcome[]): Promise<OutcomeWrite[]>;
  /**
   * Prediction sums and rank sums per (grouping, group) that has predictions, for all groupings at
   * once: one statement, one scan of the window, one sort (window functions over the probabilities).
   */
  abstract groupAggregates(window: PredictionWindow, groupings: FeatureGroups[]): Promise<GroupAggregates[]>;
  /**
   * The whole window's sums and rank sums, and its probability buckets (`bins` equal-width bins over
   * [0, 1], a probability of exactly 1 in the last; probabilities rounded to 1 / resolution), from
   * the same single statement.
   */
  abstract performanceAggregates(window: PredictionWindow, bins: number, resolution: number): Promise<PerformanceAggregates>;
  /** Over the inputs created in the window (model_version is ignored: inputs have none). */
  abstract inputHistogram(window: PredictionWindow, spec: HistogramSpec): Promise<InputHistogram>;
}
