import { ModelManifest } from './model-manifest';

/** One employee as the model reads it: raw feature name -> number or category label. */
export type FeatureRow = Readonly<Record<string, number | string>>;

export interface AttritionScore {
  /** Probability of leaving, in [0, 1]. */
  probability: number;
  /** 1 when probability >= the manifest's threshold. */
  label: 0 | 1;
  /**
   * Contribution of each model feature to the log-odds, by name: the keys are
   * `manifest.contributions.names`, in that order. Built once, stored and explained as is.
   */
  contributions: Record<string, number>;
}

/**
 * The model port: plain numbers in and out. The ONNX adapter is the production implementation;
 * HTTP tests may substitute a fake.
 */
export abstract class ModelRunner {
  /** The loaded model's manifest; throws ModelNotReadyError before the model is loaded. */
  abstract get manifest(): ModelManifest;
  abstract isReady(): boolean;
  /** Scores a batch in one run; the result has one entry per row, in order. */
  abstract score(rows: readonly FeatureRow[]): Promise<AttritionScore[]>;
}
