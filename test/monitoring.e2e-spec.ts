import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE, EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { Driver, TestApp, truncate, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn } from './support/test-settings';
import { loadContract, loadTrainingOutcomes, loadTrainingRows } from './fixtures/artifacts';

const contract = loadContract();
const employees = loadTrainingRows();
const left = loadTrainingOutcomes();

interface Scored {
  inputId: number;
  probability: number;
  prediction: 0 | 1;
  y: 0 | 1;
  features: Record<string, number | string>;
}

// ---- independent reference implementations (not the service's code) ----------------------------

/** Pairwise ROC AUC: P(leaver scored above stayer) + half the ties. */
function pairwiseAuc(rows: Scored[]): number {
  const pos = rows.filter((r) => r.y === 1).map((r) => r.probability);
  const neg = rows.filter((r) => r.y === 0).map((r) => r.probability);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

/** Average precision as scikit-learn defines it: Σ (R_k - R_k-1) P_k over distinct thresholds, descending. */
function averagePrecision(rows: Scored[]): number {
  const sorted = [...rows].sort((a, b) => b.probability - a.probability);
  const positives = rows.filter((r) => r.y === 1).length;
  let tp = 0;
  let flagged = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let i = 0; i < sorted.length; i++) {
    tp += sorted[i].y;
    flagged += 1;
    if (i + 1 < sorted.length && sorted[i + 1].probability === sorted[i].probability) continue;
    const recall = tp / positives;
    ap += (recall - previousRecall) * (tp / flagged);
    previousRecall = recall;
  }
  return ap;
}

/** DeLong's 95 % interval from the placement values, by the textbook formula (ties count half). */
function delong(rows: Scored[]): [number, number] {
  const pos = rows.filter((r) => r.y === 1).map((r) => r.probability);
  const neg = rows.filter((r) => r.y === 0).map((r) => r.probability);
  const v10 = pos.map((x) => neg.reduce((a, o) => a + (o < x ? 1 : o === x ? 0.5 : 0), 0) / neg.length);
  const v01 = neg.map((x) => pos.reduce((a, o) => a + (o > x ? 1 : o === x ? 0.5 : 0), 0) / pos.length);
  const auc = v10.reduce((a, b) => a + b, 0) / v10.length;
  const variance = (v: number[]) => v.reduce((a, b) => a + (b - auc) ** 2, 0) / (v.length - 1);
  const se = Math.sqrt(variance(v10) / pos.length + variance(v01) / neg.length);
  return [Math.max(0, auc - 1.959963984540054 * se), Math.min(1, auc + 1.959963984540054 * se)];
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const clip = (p: number) => Math.min(Math.max(p, 1e-15), 1 - 1e-15);

function expectClose(actual: number | null, expected: number, tolerance = 1e-9) {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tolerance);
}

function ageBand(age: number): string {
  return age < 30 ? 'age 18-29' : age < 40 ? 'age 30-39' : age < 50 ? 'age 40-49' : 'age 50+';
}

function monitoringSuite(driver: Driver) {
  let api: TestApp;
  const booted = useTestApp(driver, { truncate: false, env: { MONITORING_REFRESH_SECONDS: '1' } });
  beforeAll(() => (api = booted()));
  afterEach(() => truncate(api.dataSource));

  const post = (body: unknown) => request(api.url).post('/outcomes').send(body as object);
  const report = (name: 'performance' | 'drift' | 'fairness', query: Record<string, string> = {}) =>
    request(api.url).get(`/model/${name}`).query(query).expect(200).then((r) => r.body);

  /** Scores `rows` through /predict/batch (1,000 per request) and returns what was stored. */
  async function predictAll(rows: Record<string, number | string>[], outcomes: (0 | 1)[]): Promise<Scored[]> {
    const scored: Scored[] = [];
    for (let start = 0; start < rows.length; start += 1000) {
      const chunk = rows.slice(start, start + 1000);
      const { body } = await request(api.url).post('/predict/batch').send({ items: chunk.map((features) => ({ features })) }).expect(200);
      expect(body.stored).toBe(chunk.length);
      body.results.forEach((r: { result: { input_id: number; probability: number; prediction: 0 | 1 } }, i: number) =>
        scored.push({ inputId: r.result.input_id, probability: r.result.probability, prediction: r.result.prediction, y: outcomes[start + i], features: chunk[i] }),
      );
    }
    return scored;
  }

  async function recordAll(scored: Scored[]): Promise<void> {
    for (let start = 0; start < scored.length; start += 1000) {
      const items = scored.slice(start, start + 1000).map((s) => ({ input_id: s.inputId, left: s.y, observed_at: '2026-06-30' }));
      const { body } = await post({ items }).expect(200);
      expect(body).toMatchObject({ created: items.length, replaced: 0, rejected: 0 });
    }
  }

  it('records an outcome, replaces it on a second post, and shows it in the history, the item and the CSV', async () => {
    const [scored] = await predictAll([EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE as unknown as Record<string, number>], [1]);
    const created = await post({ input_id: scored.inputId, left: 1, observed_at: '2026-06-30' }).expect(201);
    expect(created.body).toEqual({
      input_id: scored.inputId, left: 1, observed_at: '2026-06-30T00:00:00.000Z', recorded_at: expect.any(String), status: 'created',
    });
    const replaced = await post({ input_id: scored.inputId, left: 0, observed_at: '2026-07-01T12:00:00Z' }).expect(200);
    expect(replaced.body).toMatchObject({ left: 0, observed_at: '2026-07-01T12:00:00.000Z', status: 'replaced' });
    const [{ n }] = await api.dataSource.query('SELECT COUNT(*) AS n FROM model_outcomes');
    expect(Number(n)).toBe(1);

    const { body: page } = await request(api.url).get('/predictions').expect(200);
    expect(page.items[0].outcome).toEqual({ left: 0, observed_at: '2026-07-01T12:00:00.000Z', recorded_at: expect.any(String) });
    const { body: item } = await request(api.url).get(`/predictions/${page.items[0].id}`).expect(200);
    expect(item.outcome).toMatchObject({ left: 0 });
    const csv = (await request(api.url).get('/predictions/export.csv').expect(200)).text.trim().split('\n');
    const header = csv[0].split(',');
    const row = csv[1].split(',');
    expect(row[header.indexOf('left')]).toBe('0');
    expect(row[header.indexOf('observed_at')]).toBe('2026-07-01T12:00:00.000Z');
  });

  it('shows no outcome where none was recorded', async () => {
    await predictAll([EXAMPLE_EMPLOYEE_LIKELY_TO_STAY as unknown as Record<string, number>], [0]);
    const { body } = await request(api.url).get('/predictions').expect(200);
    expect(body.items[0].outcome).toBeNull();
  });

  it('answers 404 for an unknown input and 400 naming the field for invalid outcomes', async () => {
    const [scored] = await predictAll([EXAMPLE_EMPLOYEE_LIKELY_TO_STAY as unknown as Record<string, number>], [0]);
    const unknown = await post({ input_id: scored.inputId + 1000, left: 1, observed_at: '2026-06-30' }).expect(404);
    expect(unknown.body).toEqual({ statusCode: 404, error: 'Not Found', detail: `No input with id ${scored.inputId + 1000}`, request_id: expect.any(String) });
    const invalid: [unknown, string][] = [
      [{ input_id: scored.inputId, left: 2, observed_at: '2026-06-30' }, 'left'],
      [{ input_id: scored.inputId, left: '1', observed_at: '2026-06-30' }, 'left'],
      [{ input_id: scored.inputId, left: true, observed_at: '2026-06-30' }, 'left'],
      [{ input_id: scored.inputId, left: 1, observed_at: 'yesterday' }, 'observed_at'],
      [{ input_id: scored.inputId, left: 1, observed_at: '2026-02-30' }, 'observed_at'],
      [{ input_id: 0, left: 1, observed_at: '2026-06-30' }, 'input_id'],
      [{ input_id: '7', left: 1, observed_at: '2026-06-30' }, 'input_id'],
      [{ input_id: 1.5, left: 1, observed_at: '2026-06-30' }, 'input_id'],
      [{ left: 1, observed_at: '2026-06-30' }, 'input_id'],
      [{ items: [] }, 'items'],
      [{ items: 'all' }, 'items'],
      [[{ input_id: scored.inputId, left: 1, observed_at: '2026-06-30' }], 'input_id'],
    ];
    for (const [body, field] of invalid) {
      const { body: error } = await post(body).expect(400);
      expect(error).toMatchObject({ statusCode: 400, error: 'Bad Request', errors: expect.arrayContaining([expect.objectContaining({ feature: field })]) });
      expect(error.detail).not.toContain('yesterday');
    }
    await request(api.url).post('/outcomes').set('content-type', 'application/json').send('{"input_id": 1,').expect(400);
    const [{ n }] = await api.dataSource.query('SELECT COUNT(*) AS n FROM model_outcomes');
    expect(Number(n)).toBe(0);
  });

  it('refuses odd dates, implausible outcome dates and out-of-range ids with a 400 naming the field and what is wrong', async () => {
    // Arrange
    const [scored] = await predictAll([EXAMPLE_EMPLOYEE_LIKELY_TO_STAY as unknown as Record<string, number>], [0]);
    const outcome = (fields: Record<string, unknown>) => ({ input_id: scored.inputId, left: 1, observed_at: '2026-06-30', ...fields });
    const dateFormats = 'a date (2026-11-01) or a date-time with a zone (2026-11-01T08:30:00Z)';
    const cases: [Record<string, unknown>, string, string][] = [
      [outcome({ observed_at: '2026-W01' }), 'observed_at', `observed_at must be ${dateFormats}`],
      [outcome({ observed_at: '2026-001' }), 'observed_at', `observed_at must be ${dateFormats}`],
      [outcome({ observed_at: '2026-06-30T10:00' }), 'observed_at', `observed_at must be ${dateFormats}`],
      [outcome({ observed_at: 20260630 }), 'observed_at', `observed_at must be a string: ${dateFormats}`],
      [outcome({ observed_at: '1900-01-01' }), 'observed_at', 'observed_at must not be before 1970-01-01'],
      [outcome({ observed_at: '1969-12-31T23:59:59Z' }), 'observed_at', 'observed_at must not be before 1970-01-01'],
      [outcome({ observed_at: '9999-12-31' }), 'observed_at', "observed_at must not be more than 24 hours ahead of the server's clock"],
      [
        outcome({ observed_at: new Date(Date.now() + 2 * 86_400_000).toISOString() }),
        'observed_at',
        "observed_at must not be more than 24 hours ahead of the server's clock",
      ],
      [outcome({ input_id: 2147483648 }), 'input_id', 'input_id is too large'],
      [outcome({ input_id: Number.MAX_SAFE_INTEGER + 2 }), 'input_id', 'input_id is too large'],
      [outcome({ input_id: 0 }), 'input_id', 'input_id must be a positive integer'],
      [outcome({ input_id: 1.5 }), 'input_id', 'input_id must be an integer'],
      [outcome({ input_id: '1' }), 'input_id', 'input_id must be a JSON number, not a string'],
      [outcome({ input_id: null }), 'input_id', 'input_id must be a JSON number, not null'],
    ];

    for (const [body, field, message] of cases) {
      // Act
      const single = await post(body);
      const listed = await post({ items: [body] });

      // Assert
      expect(single.status).toBe(400);
      expect(single.body).toMatchObject({ statusCode: 400, error: 'Bad Request', detail: `Invalid request: ${message}` });
      expect(single.body.errors).toEqual([{ feature: field, constraint: expect.any(String), message }]);
      expect(listed.body.results[0]).toMatchObject({ status: 400, error: { detail: `Invalid request: ${message}` } });
    }
    await post(outcome({ observed_at: '1970-01-01' })).expect(201);
    await post(outcome({ observed_at: new Date(Date.now() + 3_600_000).toISOString() })).expect(200);
    for (const name of ['performance', 'drift', 'fairness']) {
      for (const [query, field] of [[{ from: '2026-W01' }, 'from'], [{ to: '2026-001' }, 'to'], [{ from: '0000-12-31' }, 'from']] as const) {
        const { body } = await request(api.url).get(`/model/${name}`).query(query).expect(400);
        expect(body.errors).toEqual([expect.objectContaining({ feature: field, constraint: 'isTimestamp' })]);
      }
      await request(api.url).get(`/model/${name}?from=2026-01-01&from=2026-02-01`).expect(400);
      await request(api.url).get(`/model/${name}`).query({ from: '2026-01-01T00:00:00.5+01:00', to: '9999-12-31' }).expect(200);
    }
  });

  it('answers a list item by item: created, replaced, invalid, unknown, repeated; over 1,000 items is a 413', async () => {
    const [a, b] = await predictAll(
      [EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE] as unknown as Record<string, number>[],
      [0, 1],
    );
    await post({ input_id: b.inputId, left: 0, observed_at: '2026-01-01' }).expect(201);
    const { body } = await post({
      items: [
        { input_id: a.inputId, left: 0, observed_at: '2026-06-30' },
        { input_id: b.inputId, left: 1, observed_at: '2026-06-30' },
        { input_id: a.inputId, left: 1, observed_at: '2026-06-30' },
        { input_id: 999999, left: 1, observed_at: '2026-06-30' },
        { input_id: a.inputId, left: 5, observed_at: '2026-06-30' },
        'nonsense',
      ],
    }).expect(200);
    expect(body).toMatchObject({ created: 1, replaced: 1, rejected: 4 });
    expect(body.results.map((r: { status: number }) => r.status)).toEqual([201, 200, 400, 404, 400, 400]);
    expect(body.results[2].error.detail).toMatch(/more than once/);
    expect(body.results[3].error).toEqual({ statusCode: 404, error: 'Not Found', detail: 'No input with id 999999' });
    const stored = await api.dataSource.query('SELECT input_id, "left" FROM model_outcomes ORDER BY input_id');
    expect(stored.map((r: { left: number }) => Number(r.left))).toEqual([0, 1]);

    const tooMany = Array.from({ length: 1001 }, () => ({ input_id: a.inputId, left: 0, observed_at: '2026-06-30' }));
    const { body: error } = await post({ items: tooMany }).expect(413);
    expect(error.detail).toMatch(/at most 1000/);
  });

  it('erases the outcome with its input', async () => {
    const [scored] = await predictAll([EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE as unknown as Record<string, number>], [1]);
    await post({ input_id: scored.inputId, left: 1, observed_at: '2026-06-30' }).expect(201);
    await request(api.url).delete(`/inputs/${scored.inputId}`).expect(204);
    const [{ n }] = await api.dataSource.query('SELECT COUNT(*) AS n FROM model_outcomes');
    expect(Number(n)).toBe(0);
  });

  it('gives insufficient_data and no figures for small samples and empty windows', async () => {
    const scored = await predictAll(employees.slice(0, 40), left.slice(0, 40));
    await recordAll(scored);
    const small = await report('performance');
    expect(small).toMatchObject({ status: 'insufficient_data', n: 40, roc_auc: null, brier: null, calibration: null });
    expect(small.reasons[0]).toMatch(/at least 50 outcomes/);
    const empty = await report('performance', { from: '2000-01-01', to: '2000-02-01' });
    expect(empty).toMatchObject({ status: 'insufficient_data', predictions: 0, n: 0, base_rate: null });
    expect(await report('drift')).toMatchObject({ status: 'insufficient_data', inputs: 40, features: [] });
    const fairness = await report('fairness', { from: '2000-01-01', to: '2000-02-01' });
    expect(fairness.attributes[0].groups[0]).toMatchObject({ n: 0, predicted_positive_rate: null, roc_auc: null });
    expect(fairness.attributes[0].disparate_impact_ratio).toBeNull();
    const future = { from: new Date(Date.now() + 3_600_000).toISOString() };
    expect(await report('performance', future)).toMatchObject({ predictions: 0, n: 0 });
    expect(await report('drift', future)).toMatchObject({ inputs: 0 });
    expect((await report('fairness', future)).attributes[1].groups.map((g: { n: number }) => g.n)).toEqual([0, 0, 0, 0]);
    await request(api.url).get('/model/performance').query({ from: 'yesterday' }).expect(400);
    await request(api.url).get('/model/drift').query({ to: '2027-13-01' }).expect(400);
    await request(api.url).get('/model/fairness').query({ model_version: 'x'.repeat(65) }).expect(400);
  });

  it('reproduces the figures computed independently over all 1,470 training employees', async () => {
    // Arrange
    const scored = await predictAll(employees, left);
    await recordAll(scored);
    // Act
    const performance = await report('performance');
    const fairness = await report('fairness');
    const drift = await report('drift');
    // Assert: performance
    const leavers = scored.filter((s) => s.y === 1).length;
    expect(performance).toMatchObject({ model_version: contract.model.version, n: 1470, predictions: 1470, leavers });
    expect(performance.status).toBe('ok');
    expectClose(performance.roc_auc.value, pairwiseAuc(scored));
    expect(performance.roc_auc.ci95[0]).toBeLessThan(performance.roc_auc.value);
    expect(performance.roc_auc.ci95[1]).toBeGreaterThan(performance.roc_auc.value);
    expectClose(performance.pr_auc, averagePrecision(scored));
    expectClose(performance.brier, mean(scored.map((s) => (s.probability - s.y) ** 2)));
    expectClose(performance.log_loss, mean(scored.map((s) => -(s.y * Math.log(clip(s.probability)) + (1 - s.y) * Math.log(1 - clip(s.probability))))));
    const tp = scored.filter((s) => s.prediction === 1 && s.y === 1).length;
    const fp = scored.filter((s) => s.prediction === 1 && s.y === 0).length;
    const fn = scored.filter((s) => s.prediction === 0 && s.y === 1).length;
    expect(performance.at_threshold.confusion_matrix).toEqual({ tp, fp, fn, tn: 1470 - tp - fp - fn });
    expectClose(performance.at_threshold.precision, tp / (tp + fp));
    expectClose(performance.at_threshold.recall, tp / (tp + fn));
    for (let k = 0; k < 10; k++) {
      const bin = scored.filter((s) => Math.min(Math.floor(s.probability * 10), 9) === k);
      const row = performance.calibration.bins[k];
      expect(row.count).toBe(bin.length);
      if (bin.length === 0) continue;
      expectClose(row.mean_predicted, mean(bin.map((s) => s.probability)));
      expectClose(row.observed_rate, mean(bin.map((s) => s.y)));
    }
    expect(performance.calibration.slope).toBeGreaterThan(0.8);
    expect(performance.calibration.slope).toBeLessThan(1.3);
    expect(performance.cross_validated.roc_auc).toEqual(contract.metrics.roc_auc);

    // Assert: fairness, by genre and by age band
    const groupsOf = (attribute: 'genre' | 'age') =>
      fairness.attributes.find((a: { attribute: string }) => a.attribute === attribute);
    const check = (attribute: 'genre' | 'age', labelOf: (s: Scored) => string) => {
      const reported = groupsOf(attribute);
      const rates: number[] = [];
      const recalls: number[] = [];
      for (const g of reported.groups) {
        const members = scored.filter((s) => labelOf(s) === g.group);
        const gtp = members.filter((s) => s.prediction === 1 && s.y === 1).length;
        const gfp = members.filter((s) => s.prediction === 1 && s.y === 0).length;
        const gpos = members.filter((s) => s.y === 1).length;
        expect(g.n).toBe(members.length);
        expectClose(g.predicted_positive_rate, mean(members.map((s) => s.prediction)));
        expectClose(g.mean_probability, mean(members.map((s) => s.probability)));
        expectClose(g.recall, gtp / gpos);
        expectClose(g.false_positive_rate, gfp / (members.length - gpos));
        expectClose(g.precision, gtp / (gtp + gfp));
        expectClose(g.roc_auc, pairwiseAuc(members));
        expect(g.training).toMatchObject({ n: members.length });
        rates.push(mean(members.map((s) => s.prediction)));
        recalls.push(gtp / gpos);
      }
      expectClose(reported.disparate_impact_ratio, Math.min(...rates) / Math.max(...rates));
      expect(reported.four_fifths_flag).toBe(Math.min(...rates) / Math.max(...rates) < 0.8);
      expectClose(reported.equal_opportunity_difference, Math.max(...recalls) - Math.min(...recalls));
    };
    check('genre', (s) => (s.features.genre === 0 ? 'genre = 0 (female)' : 'genre = 1 (male)'));
    check('age', (s) => ageBand(s.features.age as number));

    // Windows select by time on both engines (parameters bound in the right places).
    const lastHour = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    expect((await report('performance', lastHour)).roc_auc.value).toBe(performance.roc_auc.value);
    expect((await report('drift', lastHour)).inputs).toBe(1470);
    expect((await report('fairness', lastHour)).attributes[0].groups[0].n).toBe(fairness.attributes[0].groups[0].n);
    expect((await report('performance', { ...lastHour, model_version: '0.0.1' })).n).toBe(0);

    // Assert: the training data itself has not drifted from itself
    expect(drift).toMatchObject({ inputs: 1470, status: 'stable', shifted: [], moderate: [] });
    expect(drift.features).toHaveLength(contract.features.length);
    for (const f of drift.features) expect(f.psi).toBeLessThan(1e-12);

    // The gauges follow within a few refreshes (MONITORING_REFRESH_SECONDS=1), computed off the scrape.
    const gauge = (name: string) =>
      Number(new RegExp(`^${name}\\{model_version="${contract.model.version}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    let metrics = '';
    for (let attempt = 0; attempt < 60 && !(Math.abs(gauge('attrition_live_roc_auc') - performance.roc_auc.value) < 1e-9); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      metrics = (await request(api.url).get('/metrics').expect(200)).text;
    }
    expectClose(gauge('attrition_live_roc_auc'), performance.roc_auc.value);
    expectClose(gauge('attrition_live_brier'), performance.brier);
    expect(metrics).toMatch(/attrition_drift_psi\{feature="age"\} 0/);
    expect(metrics).toMatch(/attrition_predicted_positive_rate\{attribute="age",group="age 18-29"\} 0\.\d+/);
  });

  it('counts tied scores half and ignores predictions without an outcome in the ranks', async () => {
    // Arrange: 150 employees scored three times each (identical inputs: identical probabilities),
    // the second copy with the opposite outcome, so leavers and stayers share scores; 50 more
    // predictions get no outcome.
    const rows = employees.slice(0, 150);
    const outcomes = left.slice(0, 150);
    const scored = await predictAll(
      [...rows, ...rows, ...rows, ...employees.slice(150, 200)],
      [...outcomes, ...outcomes.map((y) => (1 - y) as 0 | 1), ...outcomes, ...left.slice(150, 200)],
    );
    const withOutcome = scored.slice(0, 450);
    await recordAll(withOutcome);
    // Act
    const performance = await report('performance');
    const fairness = await report('fairness');
    // Assert
    expect(performance).toMatchObject({ predictions: 500, n: 450 });
    expectClose(performance.roc_auc.value, pairwiseAuc(withOutcome));
    const [low, high] = delong(withOutcome);
    expectClose(performance.roc_auc.ci95[0], low);
    expectClose(performance.roc_auc.ci95[1], high);
    expectClose(performance.pr_auc, averagePrecision(withOutcome));
    expectClose(performance.brier, mean(withOutcome.map((s) => (s.probability - s.y) ** 2)));
    for (const g of fairness.attributes.find((a: { attribute: string }) => a.attribute === 'age').groups) {
      const members = withOutcome.filter((s) => ageBand(s.features.age as number) === g.group);
      expect(g.outcomes).toBe(members.length);
      if (new Set(members.map((s) => s.y)).size === 2) expectClose(g.roc_auc, pairwiseAuc(members));
    }
  });

  it('says degraded, and why, when the outcomes contradict the model (every outcome inverted)', async () => {
    const scored = await predictAll(employees, left);
    await recordAll(scored.map((s) => ({ ...s, y: (1 - s.y) as 0 | 1 })));
    const performance = await report('performance');
    expect(performance.status).toBe('degraded');
    expect(performance.roc_auc.ci95[1]).toBeLessThan(contract.metrics.roc_auc.mean - 2 * contract.metrics.roc_auc.std);
    expect(performance.reasons).toEqual([
      expect.stringMatching(/^ROC AUC interval .* lies below the CV mean - 2 std/),
      expect.stringMatching(/^observed rate minus mean predicted probability is 0\.6/),
      expect.stringMatching(/^calibration slope -\d/),
    ]);
  });

  it('counts labels never seen in training as their own bin: unseen categories shift the feature', async () => {
    await predictAll(employees.slice(0, 100).map((e) => ({ ...e, poste: 'Astronaute' })), left.slice(0, 100));
    const drift = await report('drift');
    const poste = drift.features.find((f: { feature: string }) => f.feature === 'poste');
    expect(poste).toMatchObject({ type: 'category', band: 'shifted', unseen_categories: 1, outside_training_range: null });
    expect(poste.live[poste.live.length - 1]).toBe(1);
    expect(poste.training[poste.training.length - 1]).toBe(0);
  });

  it('finds shifted features: every age + 15 and overtime always 1 shift those two and nothing else', async () => {
    const shifted = employees.map((e) => ({ ...e, age: Math.min((e.age as number) + 15, 70), heure_supplementaires: 1 }));
    await predictAll(shifted, left);
    const drift = await report('drift');
    expect(drift.status).toBe('shifted');
    expect([...drift.shifted].sort()).toEqual(['age', 'heure_supplementaires']);
    expect(drift.moderate).toEqual([]);
    expect(drift.features.slice(0, 2).map((f: { feature: string }) => f.feature).sort()).toEqual(['age', 'heure_supplementaires']);
    for (const f of drift.features) {
      if (['age', 'heure_supplementaires'].includes(f.feature)) expect(f.psi).toBeGreaterThan(0.25);
      else expect(f.psi).toBeLessThan(0.1);
    }
    expect(drift.summary).toMatch(/age, heure_supplementaires shifted|heure_supplementaires, age shifted/);
    const age = drift.features.find((f: { feature: string }) => f.feature === 'age');
    expect(age.outside_training_range).toBeCloseTo(employees.filter((e) => (e.age as number) + 15 > 60).length / 1470, 12);
    const performance = await report('performance');
    expect(performance.status).toBe('insufficient_data');
  });
}

describe('live monitoring in the OpenAPI document', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', { truncate: false });
  beforeAll(() => (api = booted()));

  it('documents every new endpoint with its response schema and errors', async () => {
    const { body } = await request(api.url).get('/docs-json').expect(200);
    const outcomes = body.paths['/outcomes'].post;
    expect(Object.keys(outcomes.responses).sort()).toEqual(['200', '201', '400', '401', '404', '413', '503']);
    expect(Object.keys(outcomes.requestBody.content['application/json'].examples)).toEqual(['one', 'list']);
    for (const [path, schema] of [
      ['/model/performance', 'PerformanceReportDto'],
      ['/model/drift', 'DriftReportDto'],
      ['/model/fairness', 'FairnessReportDto'],
    ]) {
      const get = body.paths[path].get;
      expect(get.responses['200'].content['application/json'].schema.$ref).toBe(`#/components/schemas/${schema}`);
      expect(Object.keys(get.responses).sort()).toEqual(['200', '400', '401', '503']);
    }
    expect(body.paths['/model/performance'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['from', 'model_version', 'to']);
    expect(body.components.schemas.PerformanceReportDto.properties.status.enum).toEqual(['ok', 'degraded', 'insufficient_data']);
    expect(body.components.schemas.PredictionItemDto.properties).toHaveProperty('outcome');
  });
});

describeWithPostgres('live monitoring (PostgreSQL)', () => monitoringSuite('postgres'));
describeOn('sqlite')('live monitoring (SQLite)', () => monitoringSuite('sqlite'));
