import { ApiProperty } from '@nestjs/swagger';

export class RocAucDto {
  @ApiProperty({ example: 0.86 })
  value: number;

  @ApiProperty({ type: [Number], example: [0.84, 0.88], description: '95 % confidence interval (DeLong)' })
  ci95: [number, number];

  @ApiProperty({ example: 'DeLong' })
  ci_method: 'DeLong';
}

export class ConfusionMatrixDto {
  @ApiProperty() tp: number;
  @ApiProperty() fp: number;
  @ApiProperty() fn: number;
  @ApiProperty() tn: number;
}

export class ThresholdMetricsDto {
  @ApiProperty({ nullable: true, type: Number, description: 'tp / (tp + fp); null when nobody was flagged' })
  precision: number | null;

  @ApiProperty({ nullable: true, type: Number, description: 'tp / (tp + fn): share of leavers flagged' })
  recall: number | null;

  @ApiProperty({ nullable: true, type: Number })
  f1: number | null;

  @ApiProperty({ type: ConfusionMatrixDto, description: 'At the threshold stored with each prediction' })
  confusion_matrix: ConfusionMatrixDto;
}

export class ReliabilityBinDto {
  @ApiProperty({ example: 0.3, description: 'Lower edge of the predicted-probability bin (inclusive)' })
  from: number;

  @ApiProperty({ example: 0.4, description: 'Upper edge (exclusive; 1 is in the last bin)' })
  to: number;

  @ApiProperty({ example: 120 })
  count: number;

  @ApiProperty({ nullable: true, type: Number, example: 0.35, description: 'Mean predicted probability; null for an empty bin' })
  mean_predicted: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 0.33, description: 'Share who actually left; null for an empty bin' })
  observed_rate: number | null;
}

export class CalibrationDto {
  @ApiProperty({ example: 0.161 })
  mean_predicted: number;

  @ApiProperty({ example: 0.161 })
  observed_rate: number;

  @ApiProperty({ nullable: true, type: Number, example: 1.02, description: 'Slope of y ~ intercept + slope × logit(p); 1 is ideal, < 1 over-confident' })
  slope: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 0.01, description: 'Intercept of the same fit; 0 is ideal' })
  intercept: number | null;

  @ApiProperty({ type: [ReliabilityBinDto], description: '10 equal-width bins of predicted probability' })
  bins: ReliabilityBinDto[];
}

export class MetricSummaryDto {
  @ApiProperty({ example: 0.8515 }) mean: number;
  @ApiProperty({ example: 0.0302 }) std: number;
}

export class CrossValidatedDto {
  @ApiProperty({ example: '5 x repeated stratified 5-fold, seed 42' }) method: string;
  @ApiProperty({ type: MetricSummaryDto }) roc_auc: MetricSummaryDto;
  @ApiProperty({ type: MetricSummaryDto }) pr_auc: MetricSummaryDto;
  @ApiProperty({ type: MetricSummaryDto }) brier: MetricSummaryDto;
  @ApiProperty({ type: MetricSummaryDto }) log_loss: MetricSummaryDto;
  @ApiProperty({ type: MetricSummaryDto }) precision: MetricSummaryDto;
  @ApiProperty({ type: MetricSummaryDto }) recall: MetricSummaryDto;
  @ApiProperty({ type: MetricSummaryDto }) f1: MetricSummaryDto;
}

/** GET /model/performance. Figures are null when `status` is insufficient_data. */
export class PerformanceReportDto {
  @ApiProperty({ example: '1.1.0' })
  model_version: string;

  @ApiProperty({ nullable: true, type: String, example: '2027-01-01T00:00:00.000Z' })
  from: string | null;

  @ApiProperty({ nullable: true, type: String, example: null })
  to: string | null;

  @ApiProperty({
    enum: ['ok', 'degraded', 'insufficient_data'],
    description: 'degraded: the AUC interval lies wholly below the CV mean - 2 std, or calibration is off by more than the margins; ' +
      'insufficient_data: fewer than 50 outcomes or 10 leavers',
  })
  status: 'ok' | 'degraded' | 'insufficient_data';

  @ApiProperty({ type: [String], example: [], description: 'Why the status is not ok, one sentence each' })
  reasons: string[];

  @ApiProperty({ example: 1470, description: 'Predictions of this version in the window' })
  predictions: number;

  @ApiProperty({ example: 1470, description: 'Of them, with a recorded outcome: what the figures are computed on' })
  n: number;

  @ApiProperty({ example: 237 })
  leavers: number;

  @ApiProperty({ nullable: true, type: Number, example: 0.161, description: 'leavers / n' })
  base_rate: number | null;

  @ApiProperty({ type: RocAucDto, nullable: true })
  roc_auc: RocAucDto | null;

  @ApiProperty({ nullable: true, type: Number, example: 0.68, description: 'Average precision (area under the precision-recall steps)' })
  pr_auc: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 0.086, description: 'Mean squared error of the probability; lower is better' })
  brier: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 0.3, description: 'Mean negative log-likelihood (p clipped to [1e-15, 1 - 1e-15])' })
  log_loss: number | null;

  @ApiProperty({ type: ThresholdMetricsDto, nullable: true })
  at_threshold: ThresholdMetricsDto | null;

  @ApiProperty({ type: CalibrationDto, nullable: true })
  calibration: CalibrationDto | null;

  @ApiProperty({ type: CrossValidatedDto, description: "The model's cross-validated figures from contract.json, for comparison" })
  cross_validated: CrossValidatedDto;
}
