import { Injectable } from '@nestjs/common';
import { CategoryDistribution, ModelRunner, NumericDistribution } from '@app/inference';
import { FeatureGroups, HistogramSpec, GroupAggregates, MonitoringRepository, PerformanceAggregates, PredictionWindow } from '@app/persistence';
import { toTimestamp } from '@app/validation';
import { DriftReportDto, FeatureDriftDto } from './drift-report.dto';
import { FairnessAttributeDto, FairnessGroupDto, FairnessReportDto } from './fairness-report.dto';
import { VersionedWindowQuery, WindowQuery } from './monitoring-query.dto';
import { CalibrationDto, PerformanceReportDto, ReliabilityBinDto } from './performance-report.dto';
import {
  averagePrecision,
  delongInterval,
  fitCalibration,
  populationStabilityIndex,
  ratio,
  rocAuc,
} from './statistics';

/** Below these, figures are withheld: no precise-looking numbers from tiny samples. */
export const MIN_OUTCOMES = 50;
export const MIN_LEAVERS = 10;
export const MIN_DRIFT_INPUTS = 50;
/** Calibration is "off" when |observed rate - mean predicted| exceeds this... */
export const CALIBRATION_IN_THE_LARGE_MARGIN = 0.05;
/** ...or the calibration slope falls outside this range. */
export const CALIBRATION_SLOPE_RANGE = { min: 0.5, max: 1.5 };
/** PSI bands. */
export const PSI_MODERATE = 0.1;
export const PSI_SHIFTED = 0.25;
export const RELIABILITY_BINS = 10;
/** The calibration fit sees probabilities rounded to 1 / 10,000: at most 20,002 points whatever the row count. */
export const CALIBRATION_RESOLUTION = 10_000;
/** Four-fifths rule: a ratio of predicted-positive rates under 0.8 is flagged. */
export const FOUR_FIFTHS = 0.8;

/** The audited groups, labelled as in the model card's fairness table. */
export const FAIRNESS_ATTRIBUTES: { attribute: 'genre' | 'age'; groups: FeatureGroups; labels: string[] }[] = [
  { attribute: 'genre', groups: { feature: 'genre', cuts: [1] }, labels: ['genre = 0 (female)', 'genre = 1 (male)'] },
  { attribute: 'age', groups: { feature: 'age', cuts: [30, 40, 50] }, labels: ['age 18-29', 'age 30-39', 'age 40-49', 'age 50+'] },
];

/** Live performance, drift and fairness of the served model, from database aggregates. */
@Injectable()
export class MonitoringService {
  constructor(
    private readonly repository: MonitoringRepository,
    private readonly runner: ModelRunner,
  ) {}

  async performance(query: VersionedWindowQuery): Promise<PerformanceReportDto> {
    const manifest = this.runner.manifest;
    const window = this.window(query);
    const aggregates = await this.repository.performanceAggregates(window, RELIABILITY_BINS, CALIBRATION_RESOLUTION);
    const s = aggregates.sums;
    const cv = manifest.metrics;
    const report: PerformanceReportDto = {
      model_version: window.modelVersion!,
      from: window.from?.toISOString() ?? null,
      to: window.to?.toISOString() ?? null,
      status: 'insufficient_data',
      reasons: [],
      predictions: s.predictions,
      n: s.n,
      leavers: s.leavers,
      base_rate: ratio(s.leavers, s.n),
      roc_auc: null,
      pr_auc: null,
      brier: null,
      log_loss: null,
      at_threshold: null,
      calibration: null,
      cross_validated: {
        method: String(cv.cv ?? ''),
        roc_auc: cv.roc_auc,
        pr_auc: cv.pr_auc,
        brier: cv.brier,
        log_loss: cv.log_loss,
        precision: cv.precision as PerformanceReportDto['cross_validated']['precision'],
        recall: cv.recall as PerformanceReportDto['cross_validated']['recall'],
        f1: cv.f1 as PerformanceReportDto['cross_validated']['f1'],
      },
    };
    if (s.n < MIN_OUTCOMES || s.leavers < MIN_LEAVERS || s.n - s.leavers < MIN_LEAVERS) {
      report.reasons.push(
        `${s.n} outcomes with ${s.leavers} leavers and ${s.n - s.leavers} stayers: at least ${MIN_OUTCOMES} outcomes ` +
          `and ${MIN_LEAVERS} of each are needed`,
      );
      return report;
    }
    const ranks = s;
    const auc = rocAuc(ranks)!;
    const ci = delongInterval(ranks)!;
    report.roc_auc = { value: auc, ci95: ci, ci_method: 'DeLong' };
    report.pr_auc = averagePrecision(ranks);
    report.brier = s.brierSum / s.n;
    report.log_loss = s.logLossSum / s.n;
    const precision = ratio(s.tp, s.tp + s.fp);
    const recall = ratio(s.tp, s.tp + s.fn);
    report.at_threshold = {
      precision,
      recall,
      f1: precision === null || recall === null || precision + recall === 0 ? null : (2 * precision * recall) / (precision + recall),
      confusion_matrix: { tp: s.tp, fp: s.fp, fn: s.fn, tn: s.tn },
    };
    report.calibration = calibration(aggregates);
    report.status = 'ok';
    const floor = cv.roc_auc.mean - 2 * cv.roc_auc.std;
    if (ci[1] < floor) {
      report.reasons.push(`ROC AUC interval [${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}] lies below the CV mean - 2 std (${floor.toFixed(3)})`);
    }
    const gap = report.calibration.observed_rate - report.calibration.mean_predicted;
    if (Math.abs(gap) > CALIBRATION_IN_THE_LARGE_MARGIN) {
      report.reasons.push(`observed rate minus mean predicted probability is ${gap.toFixed(3)} (margin ±${CALIBRATION_IN_THE_LARGE_MARGIN})`);
    }
    const slope = report.calibration.slope;
    if (slope !== null && (slope < CALIBRATION_SLOPE_RANGE.min || slope > CALIBRATION_SLOPE_RANGE.max)) {
      report.reasons.push(`calibration slope ${slope.toFixed(3)} is outside [${CALIBRATION_SLOPE_RANGE.min}, ${CALIBRATION_SLOPE_RANGE.max}]`);
    }
    if (report.reasons.length > 0) report.status = 'degraded';
    return report;
  }

  async drift(query: WindowQuery): Promise<DriftReportDto> {
    const manifest = this.runner.manifest;
    const window = this.window(query);
    const distribution = manifest.training_distribution?.features ?? {};
    const spec: HistogramSpec = { numeric: [], categorical: [] };
    for (const f of manifest.features) {
      const d = distribution[f.name];
      if (!d) continue;
      if (f.type === 'category') spec.categorical.push({ feature: f.name, labels: Object.keys((d as CategoryDistribution).frequencies) });
      else spec.numeric.push({ feature: f.name, edges: (d as NumericDistribution).edges, range: f.training_range });
    }
    const histogram = await this.repository.inputHistogram(window, spec);
    const n = histogram.inputs;
    const share = (c: number) => (n === 0 ? 0 : c / n);
    const features: FeatureDriftDto[] = [
      ...spec.numeric.map(({ feature }) => {
        const { counts, outsideRange } = histogram.numeric[feature];
        const training = (distribution[feature] as NumericDistribution).proportions;
        return driftOf(feature, 'numeric', counts.map(share), training, { outside_training_range: share(outsideRange), unseen_categories: null });
      }),
      ...spec.categorical.map(({ feature, labels }) => {
        const { counts, unseen } = histogram.categorical[feature];
        const frequencies = (distribution[feature] as CategoryDistribution).frequencies;
        // Unseen labels form one more bin, empty in training.
        const live = [...labels.map((l) => share(counts[l])), share(unseen)];
        return driftOf(feature, 'category', live, [...labels.map((l) => frequencies[l]), 0], {
          outside_training_range: null,
          unseen_categories: share(unseen),
        });
      }),
    ].sort((a, b) => b.psi - a.psi || a.feature.localeCompare(b.feature));
    if (n < MIN_DRIFT_INPUTS) {
      return {
        from: window.from?.toISOString() ?? null,
        to: window.to?.toISOString() ?? null,
        inputs: n,
        status: 'insufficient_data',
        summary: `${n} inputs in the window: at least ${MIN_DRIFT_INPUTS} are needed to compare distributions`,
        shifted: [],
        moderate: [],
        features: [],
      };
    }
    const shifted = features.filter((f) => f.band === 'shifted').map((f) => f.feature);
    const moderate = features.filter((f) => f.band === 'moderate').map((f) => f.feature);
    const stable = features.length - shifted.length - moderate.length;
    const parts = [
      shifted.length ? `${shifted.join(', ')} shifted (PSI > ${PSI_SHIFTED})` : '',
      moderate.length ? `${moderate.join(', ')} moderately shifted (PSI ${PSI_MODERATE}-${PSI_SHIFTED})` : '',
      `${stable} of ${features.length} features stable (PSI < ${PSI_MODERATE})`,
    ].filter(Boolean);
    return {
      from: window.from?.toISOString() ?? null,
      to: window.to?.toISOString() ?? null,
      inputs: n,
      status: shifted.length ? 'shifted' : moderate.length ? 'moderate' : 'stable',
      summary: parts.join('; '),
      shifted,
      moderate,
      features,
    };
  }

  async fairness(query: VersionedWindowQuery): Promise<FairnessReportDto> {
    const manifest = this.runner.manifest;
    const window = this.window(query);
    const training = new Map((manifest.fairness?.groups ?? []).map((g) => [g.group, g]));
    const attributes: FairnessAttributeDto[] = [];
    const groupings = FAIRNESS_ATTRIBUTES.map((a) => a.groups);
    const sums = await this.repository.groupAggregates(window, groupings);
    for (const [k, { attribute, labels }] of FAIRNESS_ATTRIBUTES.entries()) {
      const rows: FairnessGroupDto[] = labels.map((label, g) => {
        const s = sums.find((x) => x.grouping === k && x.group === g) ?? emptySums();

        const reference = training.get(label);
        return {
          group: label,
          n: s.predictions,
          predicted_positive_rate: ratio(s.predictedPositive, s.predictions),
          mean_probability: ratio(s.probabilitySum, s.predictions),
          outcomes: s.n,
          leavers: s.leavers,
          recall: ratio(s.tp, s.tp + s.fn),
          false_positive_rate: ratio(s.fp, s.fp + s.tn),
          precision: ratio(s.tp, s.tp + s.fp),
          roc_auc: rocAuc(s),
          training: reference
            ? {
                n: reference.n,
                attrition_rate: reference.attrition_rate,
                mean_probability: reference.mean_probability,
                roc_auc: reference.roc_auc,
                flagged_rate: reference.flagged_rate,
                recall: reference.recall,
                precision: reference.precision,
              }
            : null,
        };
      });
      const rates = rows.map((r) => r.predicted_positive_rate).filter((x): x is number => x !== null);
      const recalls = rows.map((r) => r.recall).filter((x): x is number => x !== null);
      const disparate = rates.length < 2 ? null : ratio(Math.min(...rates), Math.max(...rates));
      attributes.push({
        attribute,
        groups: rows,
        disparate_impact_ratio: disparate,
        four_fifths_flag: disparate === null ? null : disparate < FOUR_FIFTHS,
        equal_opportunity_difference: recalls.length < 2 ? null : Math.max(...recalls) - Math.min(...recalls),
      });
    }
    return {
      model_version: window.modelVersion!,
      from: window.from?.toISOString() ?? null,
      to: window.to?.toISOString() ?? null,
      attributes,
      training_source: manifest.fairness?.source ?? null,
    };
  }

  private window(query: VersionedWindowQuery | WindowQuery): PredictionWindow {
    return {
      from: query.from === undefined ? undefined : toTimestamp(query.from, 'from'),
      to: query.to === undefined ? undefined : toTimestamp(query.to, 'to'),
      modelVersion: ('model_version' in query ? query.model_version : undefined) ?? this.runner.manifest.model.version,
    };
  }
}

/** The reliability table and the calibration fit, from the probability buckets. */
function calibration({ sums: s, buckets }: PerformanceAggregates): CalibrationDto {
  const fit = fitCalibration(buckets);
  const table: ReliabilityBinDto[] = Array.from({ length: RELIABILITY_BINS }, (_, k) => {
    const inBin = buckets.filter((b) => b.bin === k);
    const count = inBin.reduce((a, b) => a + b.n, 0);
    const leavers = inBin.reduce((a, b) => a + b.left * b.n, 0);
    const predicted = inBin.reduce((a, b) => a + b.probabilitySum, 0);
    return {
      from: k / RELIABILITY_BINS,
      to: (k + 1) / RELIABILITY_BINS,
      count,
      mean_predicted: count === 0 ? null : predicted / count,
      observed_rate: count === 0 ? null : leavers / count,
    };
  });
  // Mean predicted over the predictions with an outcome, not over all predictions.
  const predictedSum = buckets.reduce((a, b) => a + b.probabilitySum, 0);
  return {
    mean_predicted: predictedSum / s.n,
    observed_rate: s.leavers / s.n,
    slope: fit?.slope ?? null,
    intercept: fit?.intercept ?? null,
    bins: table,
  };
}

function driftOf(
  feature: string,
  type: 'numeric' | 'category',
  live: number[],
  training: number[],
  extra: Pick<FeatureDriftDto, 'outside_training_range' | 'unseen_categories'>,
): FeatureDriftDto {
  const psi = populationStabilityIndex(live, training);
  const band = psi > PSI_SHIFTED ? 'shifted' : psi >= PSI_MODERATE ? 'moderate' : 'stable';
  return { feature, type, psi, band, ...extra, live, training };
}

/** A group without predictions. */
function emptySums(): GroupAggregates {
  return {
    grouping: 0, group: 0, predictions: 0, predictedPositive: 0, probabilitySum: 0, n: 0, leavers: 0, brierSum: 0, logLossSum: 0,
    tp: 0, fp: 0, fn: 0, tn: 0, positives: 0, negatives: 0, placementSum: 0, positivePlacementSquares: 0, negativePlacementSquares: 0, precisionSum: 0,
  };
}
