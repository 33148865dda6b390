import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadContract, loadTrainingRows, MODEL_DIR } from '../../../test/fixtures/artifacts';
import { CategoryDistribution, NumericDistribution } from './model-manifest';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(join(MODEL_DIR, file))).digest('hex');

// Model 1.1.0 only added the training distribution and the fairness table to contract.json: the
// ONNX graph and the parity values are 1.0.0's, byte for byte.
const GRAPH_1_0_0_SHA256 = '631abbea1df4c39b0ab1d8694a070c59444728441ab0c9bce1ba68dc6f6d0e8f';
const PARITY_1_0_0_SHA256 = '256cfdf520dce126089b95e782333e542c89aa7e1d474e81cc20086d9422e446';

describe('model artifacts 1.1.0', () => {
  const contract = loadContract();

  it('keeps the 1.0.0 graph and parity values byte for byte', () => {
    expect(contract.model.version).toBe('1.1.0');
    expect(sha256('model.onnx')).toBe(GRAPH_1_0_0_SHA256);
    expect(contract.model.sha256).toBe(GRAPH_1_0_0_SHA256);
    expect(sha256('parity.json')).toBe(PARITY_1_0_0_SHA256);
  });

  it('describes the training distribution of every raw feature, shares summing to 1', () => {
    const distribution = contract.training_distribution!;
    expect(Object.keys(distribution.features).sort()).toEqual(contract.features.map((f) => f.name).sort());
    for (const feature of contract.features) {
      const d = distribution.features[feature.name];
      if (feature.type === 'category') {
        expect(Object.keys((d as CategoryDistribution).frequencies).sort()).toEqual([...feature.categories!].sort());
        expect(sum(Object.values((d as CategoryDistribution).frequencies))).toBeCloseTo(1, 12);
      } else {
        const { edges, proportions } = d as NumericDistribution;
        expect(proportions).toHaveLength(edges.length + 1);
        expect([...edges].sort((a, b) => a - b)).toEqual(edges);
        expect(sum(proportions)).toBeCloseTo(1, 12);
      }
    }
  });

  it('matches the training rows: the share of rows in each right-closed decile bin', () => {
    const rows = loadTrainingRows();
    const { edges, proportions } = contract.training_distribution!.features.revenu_mensuel as NumericDistribution;
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const row of rows) counts[edges.filter((e) => e < (row.revenu_mensuel as number)).length] += 1;
    expect(counts.map((c) => c / rows.length)).toEqual(proportions);
  });

  it('carries the model card fairness table as the reference for live fairness', () => {
    expect(contract.fairness!.groups.map((g) => g.group)).toEqual([
      'genre = 0 (female)', 'genre = 1 (male)', 'age 18-29', 'age 30-39', 'age 40-49', 'age 50+',
    ]);
  });
});

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
