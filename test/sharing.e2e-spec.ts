import { InferenceSession } from 'onnxruntime-node';
import request from 'supertest';
import { TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { loadTrainingRows } from './fixtures/artifacts';

const CONCURRENT = 100;

// The typings describe InferenceSession as a factory; at run time it is a class whose run() every session shares.
const sessions = InferenceSession as unknown as { prototype: InferenceSession };

/**
 * With the default settings, concurrent /predict requests share transactions (group commit) and
 * ONNX runs (coalescing). Sharing is observed where it happens: PostgreSQL's xmin names the
 * transaction that wrote a row, and the runs are counted at onnxruntime's session.
 * The assertions only need *some* sharing among 100 simultaneous requests, whatever the load.
 */
describeWithPostgres('concurrent predictions share work (default settings, PostgreSQL)', () => {
  let api: TestApp;
  const booted = useTestApp('postgres');
  beforeAll(() => (api = booted()));

  it('writes concurrent predictions in fewer transactions, and scores them in fewer runs, than requests', async () => {
    // Arrange
    const sent = loadTrainingRows().slice(0, CONCURRENT);
    const run = jest.spyOn(sessions.prototype, 'run');
    try {
      // Act
      const responses = await Promise.all(sent.map((features) => request(api.url).post('/predict').send({ features })));

      // Assert
      expect(responses.map((r) => r.status)).toEqual(sent.map(() => 200));
      const [{ transactions }] = await api.dataSource.query(
        'SELECT COUNT(DISTINCT xmin::text)::int AS transactions FROM model_outputs',
      );
      expect(transactions).toBeLessThan(CONCURRENT);
      expect(run.mock.calls.length).toBeGreaterThan(0);
      expect(run.mock.calls.length).toBeLessThan(CONCURRENT);
    } finally {
      run.mockRestore();
    }
  });
});
