import request from 'supertest';
import { countRows, TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { loadParity } from './fixtures/artifacts';

// Serving equals training: every row of parity.json, sent as a client sends it, over HTTP,
// must come back with scikit-learn's probability and label.
describeWithPostgres('parity with scikit-learn over HTTP (PostgreSQL)', () => {
  const parity = loadParity();
  let api: TestApp;
  const booted = useTestApp('postgres', { truncate: false });
  beforeAll(() => (api = booted()));

  it(`reproduces all ${parity.rows.length} parity rows within 1e-5 and stores each`, async () => {
    // Act
    const results = [];
    for (const row of parity.rows) {
      const { body } = await request(api.url).post('/predict').send({ features: row.features }).expect(200);
      results.push({ row: row.row, expected: row.probability, actual: body.probability, label: body.prediction, expectedLabel: row.label });
    }
    // Assert
    const worst = Math.max(...results.map((r) => Math.abs(r.actual - r.expected)));
    expect(worst).toBeLessThan(1e-5);
    expect(results.filter((r) => r.label !== r.expectedLabel)).toEqual([]);
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: parity.rows.length, outputs: parity.rows.length });
  });
});
