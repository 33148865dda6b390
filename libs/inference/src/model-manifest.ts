/** One raw feature of the contract, as `models/attrition/contract.json` describes it. */
export interface FeatureSpec {
  name: string;
  type: 'integer' | 'number' | 'category';
  meaning_fr: string;
  meaning_en: string;
  /** False for features that are required and stored but that the model ignores (e.g. `genre`). */
  used_by_model: boolean;
  /** Hard limits: values outside are invalid. Absent for categories. */
  limits?: { min: number; max: number };
  /** Range seen in training: values outside are valid but extrapolated. */
  training_range?: { min: number; max: number };
  /** Categories seen in training. Absent for numbers. */
  categories?: string[];
}

/** Training distribution of a numeric feature: right-closed decile bins (edges[i-1] < v <= edges[i]). */
export interface NumericDistribution {
  /** Decile edges, duplicates removed: `edges.length + 1` bins. */
  edges: number[];
  /** Share of training rows in each bin. */
  proportions: number[];
}

/** Training distribution of a categorical feature. */
export interface CategoryDistribution {
  /** Share of training rows with each label. */
  frequencies: Record<string, number>;
}

/** Training-time (out-of-fold) figures for one group of people, the reference for live fairness. */
export interface TrainingFairnessGroup {
  group: string;
  n: number;
  attrition_rate: number;
  mean_probability: number;
  roc_auc: number;
  flagged_rate: number;
  recall: number;
  precision: number;
}

export interface MetricSummary {
  mean: number;
  std: number;
}

/**
 * The model's description, kept next to the artifact (`contract.json`) and written by the training
 * pipeline: identity, feature contract, threshold and cross-validated metrics.
 */
export interface ModelManifest {
  model: {
    name: string;
    version: string;
    file: string;
    sha256: string;
    algorithm: string;
    trained_at: string;
    training_rows: number;
    data_sha256: string;
  };
  inputs: { numeric_dtype: string; categorical_dtype: string; shape: string[] };
  outputs: Record<string, string>;
  /** Probability at or above which `label` is 1. */
  threshold: number;
  threshold_policy: string;
  features: FeatureSpec[];
  cross_field_rules: string[];
  /** Derived feature names that old clients still send; the model computes its own. */
  legacy_derived_features: string[];
  derived_features: { name: string; meaning_en: string }[];
  contributions: { names: string[]; baseline_log_odds: number };
  metrics: Record<string, unknown> & {
    roc_auc: MetricSummary;
    pr_auc: MetricSummary;
    brier: MetricSummary;
    log_loss: MetricSummary;
  };
  calibration: Record<string, unknown>;
  /** Written by train.py from model 1.1.0 on: what live inputs are compared with to measure drift. */
  training_distribution?: {
    rows: number;
    binning: string;
    features: Record<string, NumericDistribution | CategoryDistribution>;
  };
  /** Written by train.py from model 1.1.0 on: the model card's fairness table. */
  fairness?: { source: string; groups: TrainingFairnessGroup[] };
}
