import { RankSums } from '@app/persistence';

/** z of a two-sided 95 % normal interval. */
const Z_95 = 1.959963984540054;

/** ROC AUC (Mann-Whitney, ties counted half) from exact rank sums; null without both classes. */
export function rocAuc(r: RankSums): number | null {
  return r.positives > 0 && r.negatives > 0 ? r.placementSum / (r.positives * r.negatives) : null;
}

/**
 * DeLong's 95 % interval of the ROC AUC: the variance of the placement values of leavers and of
 * stayers (DeLong, DeLong & Clarke-Pearson 1988), from the same rank sums; clipped to [0, 1].
 * Null with fewer than two of either class.
 */
export function delongInterval(r: RankSums): [number, number] | null {
  const auc = rocAuc(r);
  if (auc === null || r.positives < 2 || r.negatives < 2) return null;
  const m = r.positives;
  const n = r.negatives;
  // Leaver placements are stayer counts (/ n), stayer placements leaver counts (/ m); each averages to the AUC.
  const s10 = Math.max(0, (r.positivePlacementSquares / (n * n) - m * auc * auc) / (m - 1));
  const s01 = Math.max(0, (r.negativePlacementSquares / (m * m) - n * auc * auc) / (n - 1));
  const se = Math.sqrt(s10 / m + s01 / n);
  return [Math.max(0, auc - Z_95 * se), Math.min(1, auc + Z_95 * se)];
}

/** Average precision (the area under the step-wise precision-recall curve, as scikit-learn computes it). */
export function averagePrecision(r: RankSums): number | null {
  return r.positives > 0 ? r.precisionSum / r.positives : null;
}

/** a / b, or null when b is 0. */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}

/**
 * Calibration intercept and slope: the logistic regression y ~ intercept + slope × logit(p),
 * fitted by Newton-Raphson on weighted points (a probability, an outcome, a count), e.g. the
 * probability buckets. (0, 1) is perfect calibration. Null when the fit does not converge (e.g.
 * the classes are perfectly separated).
 */
export function fitCalibration(
  points: readonly { probability: number; left: 0 | 1; n: number }[],
  maxIterations = 50,
): { intercept: number; slope: number } | null {
  const xs = points.map((p) => {
    const q = Math.min(Math.max(p.probability, 1e-15), 1 - 1e-15);
    return Math.log(q / (1 - q));
  });
  // Start from the intercept-only model (slope 0), from which Newton's method converges reliably.
  const total = points.reduce((sum, p) => sum + p.n, 0);
  const rate = points.reduce((sum, p) => sum + p.left * p.n, 0) / total;
  if (!(rate > 0 && rate < 1)) return null;
  let a = Math.log(rate / (1 - rate));
  let b = 0;
  for (let i = 0; i < maxIterations; i++) {
    let g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;
    points.forEach(({ left, n }, k) => {
      const x = xs[k];
      const q = 1 / (1 + Math.exp(-(a + b * x)));
      const w = n * q * (1 - q);
      g0 += n * (left - q);
      g1 += n * x * (left - q);
      h00 += w;
      h01 += w * x;
      h11 += w * x * x;
    });
    const det = h00 * h11 - h01 * h01;
    if (!(Math.abs(det) > 1e-12)) return null;
    const da = (h11 * g0 - h01 * g1) / det;
    const db = (h00 * g1 - h01 * g0) / det;
    a += da;
    b += db;
    if (!Number.isFinite(a) || !Number.isFinite(b) || Math.abs(b) > 1e3) return null;
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) return { intercept: a, slope: b };
  }
  return null;
}

/** Share floor of the Population Stability Index: an empty bin counts as 0.01 % instead of 0. */
export const PSI_FLOOR = 1e-4;

/** PSI = Σ (live - training) × ln(live / training) over the bins, both shares floored at PSI_FLOOR. */
export function populationStabilityIndex(live: number[], training: number[]): number {
  let psi = 0;
  for (let i = 0; i < training.length; i++) {
    const a = Math.max(live[i], PSI_FLOOR);
    const e = Math.max(training[i], PSI_FLOOR);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}
