import { RankSums } from '@app/persistence';
import { averagePrecision, delongInterval, fitCalibration, populationStabilityIndex, rocAuc } from './statistics';

/** A seeded generator, so the cases are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
}

/** Scores rounded to 2 decimals (many ties) with a class-dependent shift. */
function sample(n: number, seed: number): { p: number; y: 0 | 1 }[] {
  const next = random(seed);
  return Array.from({ length: n }, () => {
    const y = next() < 0.2 ? 1 : 0;
    return { y, p: Math.round(Math.min(1, next() * 0.8 + y * 0.2) * 100) / 100 };
  });
}

/** The rank sums, by brute force over every pair (what the repository's window query computes). */
function rankSums(rows: { p: number; y: 0 | 1 }[]): RankSums {
  const pos = rows.filter((r) => r.y === 1).map((r) => r.p);
  const neg = rows.filter((r) => r.y === 0).map((r) => r.p);
  const place = (x: number, others: number[], above: boolean) =>
    others.reduce((a, o) => a + ((above ? o > x : o < x) ? 1 : o === x ? 0.5 : 0), 0);
  const posPlaces = pos.map((x) => place(x, neg, false));
  const negPlaces = neg.map((x) => place(x, pos, true));
  let precisionSum = 0;
  for (const t of new Set(pos)) {
    const flagged = rows.filter((r) => r.p >= t);
    precisionSum += (pos.filter((x) => x === t).length * flagged.filter((r) => r.y === 1).length) / flagged.length;
  }
  return {
    grouping: 0,
    group: 0,
    positives: pos.length,
    negatives: neg.length,
    placementSum: posPlaces.reduce((a, b) => a + b, 0),
    positivePlacementSquares: posPlaces.reduce((a, b) => a + b * b, 0),
    negativePlacementSquares: negPlaces.reduce((a, b) => a + b * b, 0),
    precisionSum,
  };
}

describe('statistics', () => {
  it.each([1, 2, 3])("DeLong's interval equals the textbook formula on the placement values (seed %i)", (seed) => {
    // Arrange
    const rows = sample(300, seed);
    const pos = rows.filter((r) => r.y === 1).map((r) => r.p);
    const neg = rows.filter((r) => r.y === 0).map((r) => r.p);
    const v10 = pos.map((x) => neg.reduce((a, o) => a + (o < x ? 1 : o === x ? 0.5 : 0), 0) / neg.length);
    const v01 = neg.map((x) => pos.reduce((a, o) => a + (o > x ? 1 : o === x ? 0.5 : 0), 0) / pos.length);
    const auc = v10.reduce((a, b) => a + b, 0) / v10.length;
    const variance = (v: number[]) => v.reduce((a, b) => a + (b - auc) ** 2, 0) / (v.length - 1);
    const se = Math.sqrt(variance(v10) / pos.length + variance(v01) / neg.length);
    // Act
    const sums = rankSums(rows);
    const interval = delongInterval(sums)!;
    // Assert
    expect(rocAuc(sums)).toBeCloseTo(auc, 12);
    expect(interval[0]).toBeCloseTo(auc - 1.959963984540054 * se, 12);
    expect(interval[1]).toBeCloseTo(auc + 1.959963984540054 * se, 12);
  });

  it('is undefined without both classes, and the interval needs two of each', () => {
    const one = { grouping: 0, group: 0, positives: 1, negatives: 5, placementSum: 5, positivePlacementSquares: 25, negativePlacementSquares: 5, precisionSum: 1 };
    expect(rocAuc({ ...one, positives: 0 })).toBeNull();
    expect(averagePrecision({ ...one, positives: 0 })).toBeNull();
    expect(delongInterval(one)).toBeNull();
  });

  it('gives PSI 0 for identical shares, and large for a shift', () => {
    expect(populationStabilityIndex([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
    expect(populationStabilityIndex([0, 0, 1], [0.5, 0.5, 0])).toBeGreaterThan(0.25);
    // An empty bin counts as 0.01 %: (1e-4 - 0.5) ln(1e-4 / 0.5) + (0.5 - 1e-4) ln(0.5 / 1e-4) + 0
    expect(populationStabilityIndex([0, 0.5, 0.5], [0.5, 0.5, 0])).toBeCloseTo(2 * (0.5 - 1e-4) * Math.log(0.5 / 1e-4), 12);
  });

  it('fits calibration slope and intercept by Newton-Raphson on weighted points', () => {
    // Outcomes drawn with logit(truth) = 0.5 logit(p): an over-confident model, slope about 0.5.
    const next = random(7);
    const points = Array.from({ length: 4000 }, () => {
      const probability = 0.02 + next() * 0.96;
      const truth = 1 / (1 + Math.exp(-0.5 * Math.log(probability / (1 - probability))));
      return { probability, left: (next() < truth ? 1 : 0) as 0 | 1, n: 1 };
    });
    const fit = fitCalibration(points)!;
    expect(fit.slope).toBeGreaterThan(0.4);
    expect(fit.slope).toBeLessThan(0.6);
    // At the maximum the gradient vanishes.
    const q = (p: number) => 1 / (1 + Math.exp(-(fit.intercept + fit.slope * Math.log(p / (1 - p)))));
    expect(Math.abs(points.reduce((a, p) => a + p.left - q(p.probability), 0))).toBeLessThan(1e-6);
    // Counts weigh like repeated points.
    const doubled = fitCalibration(points.map((p) => ({ ...p, n: 2 })))!;
    expect(doubled.slope).toBeCloseTo(fit.slope, 9);
    expect(fitCalibration([{ probability: 0.2, left: 0, n: 5 }, { probability: 0.8, left: 1, n: 5 }])).toBeNull();
  });
});
