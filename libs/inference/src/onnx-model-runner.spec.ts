import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContract, loadParity, MODEL_DIR } from '../../../test/fixtures/artifacts';
import { ModelArtifactError, ModelNotReadyError } from './inference.errors';
import { OnnxModelRunner } from './onnx-model-runner';

async function loadedRunner(modelDir = MODEL_DIR): Promise<OnnxModelRunner> {
  const runner = new OnnxModelRunner({ modelDir, intraOpNumThreads: 1 });
  await runner.onModuleInit();
  return runner;
}

describe('OnnxModelRunner (real models/attrition artifact)', () => {
  let runner: OnnxModelRunner;
  const parity = loadParity();

  beforeAll(async () => {
    runner = await loadedRunner();
  });

  afterAll(async () => {
    await runner.onModuleDestroy();
  });

  it('loads the manifest that matches the model', () => {
    expect(runner.isReady()).toBe(true);
    expect(runner.manifest.model.version).toBe(loadContract().model.version);
  });

  it('reproduces scikit-learn on fixed rows: probability, label and contributions', async () => {
    // Arrange
    const rows = parity.rows.slice(0, 5);
    // Act
    const scores = await runner.score(rows.map((r) => r.features));
    // Assert
    scores.forEach((score, i) => {
      expect(Math.abs(score.probability - rows[i].probability)).toBeLessThan(1e-12);
      expect(score.label).toBe(rows[i].label);
      expect(Object.keys(score.contributions)).toEqual(parity.contribution_names);
      Object.values(score.contributions).forEach((c, j) => expect(Math.abs(c - rows[i].contributions[j])).toBeLessThan(1e-12));
    });
  });

  it('scores a whole batch in one run, in order', async () => {
    const scores = await runner.score(parity.rows.map((r) => r.features));
    const worst = Math.max(...scores.map((s, i) => Math.abs(s.probability - parity.rows[i].probability)));
    expect(worst).toBeLessThan(1e-12);
  });

  it('labels at the manifest threshold', async () => {
    const scores = await runner.score(parity.rows.map((r) => r.features));
    for (const s of scores) expect(s.label).toBe(s.probability >= runner.manifest.threshold ? 1 : 0);
  });

  it('encodes an unseen category as all zeros instead of failing', async () => {
    const row = { ...parity.rows[0].features, poste: 'Astronaute' };
    const [score] = await runner.score([row]);
    expect(score.probability).toBeGreaterThan(0);
    expect(score.probability).toBeLessThan(1);
    expect(score.probability).not.toBeCloseTo(parity.rows[0].probability, 6);
  });

  it('returns nothing for an empty batch', async () => {
    await expect(runner.score([])).resolves.toEqual([]);
  });
});

describe('OnnxModelRunner start-up checks', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'attrition-model-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start without a manifest, naming the path', async () => {
    await expect(loadedRunner(dir)).rejects.toThrow(new RegExp(`Cannot read the model manifest ${join(dir, 'contract.json')}`));
  });

  it('refuses to start without the model file, naming the path', async () => {
    copyFileSync(join(MODEL_DIR, 'contract.json'), join(dir, 'contract.json'));
    await expect(loadedRunner(dir)).rejects.toThrow(ModelArtifactError);
    await expect(loadedRunner(dir)).rejects.toThrow(join(dir, 'model.onnx'));
  });

  it('refuses a model whose sha256 differs from the manifest', async () => {
    copyFileSync(join(MODEL_DIR, 'contract.json'), join(dir, 'contract.json'));
    writeFileSync(join(dir, 'model.onnx'), 'not a model');
    await expect(loadedRunner(dir)).rejects.toThrow(/has sha256 .* but .* expects/);
  });

  it('refuses a manifest whose features differ from the model inputs', async () => {
    const contract = loadContract();
    contract.features[0].name = 'age_en_annees';
    writeFileSync(join(dir, 'contract.json'), JSON.stringify(contract));
    copyFileSync(join(MODEL_DIR, 'model.onnx'), join(dir, 'model.onnx'));
    await expect(loadedRunner(dir)).rejects.toThrow(/does not match its manifest/);
  });

  /** Writes the real model with `edit` applied to its bytes, and a manifest whose sha256 accepts them. */
  function writeModel(edit: (bytes: Buffer) => Buffer) {
    const bytes = edit(readFileSync(join(MODEL_DIR, 'model.onnx')));
    const contract = loadContract();
    contract.model.sha256 = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(dir, 'model.onnx'), bytes);
    writeFileSync(join(dir, 'contract.json'), JSON.stringify(contract));
  }

  it('refuses a model that lacks one of the outputs the service reads, naming it', async () => {
    // Arrange: the same graph with its `contributions` output renamed (same length, so the protobuf stays valid).
    writeModel((bytes) => Buffer.from(bytes.toString('latin1').replaceAll('contributions', 'contributionz'), 'latin1'));
    // Act + Assert
    await expect(loadedRunner(dir)).rejects.toThrow(ModelArtifactError);
    await expect(loadedRunner(dir)).rejects.toThrow(/missing outputs \[contributions\]/);
  });

  it("refuses a manifest whose threshold disagrees with the model's labels (the warm-up run checks it)", async () => {
    // Arrange: the model labels at 0.32. Its warm-up row's probability p is in (0, 1), so exactly one of
    // the thresholds 0 and 1 labels that row differently from the model.
    const attempts = [0, 1].map(async (threshold) => {
      const sub = mkdtempSync(join(dir, `threshold-${threshold}-`));
      copyFileSync(join(MODEL_DIR, 'model.onnx'), join(sub, 'model.onnx'));
      writeFileSync(join(sub, 'contract.json'), JSON.stringify({ ...loadContract(), threshold }));
      return loadedRunner(sub).then((runner) => runner.onModuleDestroy());
    });
    // Act
    const results = await Promise.allSettled(attempts);
    // Assert
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.map((r) => String(r.reason))).toEqual([
      expect.stringMatching(/The model's label disagrees with the manifest's threshold [01]/),
    ]);
  });

  it('is not ready, and says so, before loading', async () => {
    const runner = new OnnxModelRunner({ modelDir: dir });
    expect(runner.isReady()).toBe(false);
    expect(() => runner.manifest).toThrow(ModelNotReadyError);
    await expect(runner.score([{}])).rejects.toThrow(ModelNotReadyError);
  });
});
