import request from 'supertest';
import { countRows, Driver, TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { loadTrainingRows } from './fixtures/artifacts';

const training = loadTrainingRows();

function storedFeatures(row: { features: unknown }) {
  return typeof row.features === 'string' ? JSON.parse(row.features) : row.features;
}

function groupCommitSuite(driver: Driver) {
  let api: TestApp;
  const booted = useTestApp(driver);
  beforeAll(() => (api = booted()));

  it('answers 300 concurrent requests each with its own committed rows', async () => {
    // Act
    const sent = training.slice(0, 300);
    const responses = await Promise.all(sent.map((features) => request(api.url).post('/predict').send({ features })));
    // Assert: every answer is a 200 whose stored input holds exactly what that request sent
    expect(responses.map((r) => r.status)).toEqual(sent.map(() => 200));
    await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 300, outputs: 300 });
    const rows: { id: number; features: unknown; output_id: number; probability: number }[] = await api.dataSource.query(
      'SELECT i.id, i.features, o.id AS output_id, o.probability FROM model_inputs i JOIN model_outputs o ON o.input_id = i.id',
    );
    const byOutput = new Map(rows.map((r) => [Number(r.output_id), r]));
    responses.forEach((response, i) => {
      const row = byOutput.get(response.body.id)!;
      expect(Number(row.id)).toBe(response.body.input_id);
      expect(storedFeatures(row)).toEqual(sent[i]);
      expect(Number(row.probability)).toBe(response.body.probability);
    });
  });
}

describeWithPostgres('group commit on PostgreSQL', () => {
  groupCommitSuite('postgres');

  describe('a failed flush', () => {
    let api: TestApp;
    const booted = useTestApp('postgres', { truncate: false });

    beforeAll(async () => {
      api = booted();
      // Poison: any batch holding a 'Poison' job role fails as a whole, with an "unavailable" code.
      await api.dataSource.query(`
        CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.features->>'poste' = 'Poison' THEN
            RAISE EXCEPTION 'poisoned batch' USING ERRCODE = '57P03';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER reject_poison BEFORE INSERT ON model_inputs FOR EACH ROW EXECUTE FUNCTION reject_poison();`);
    });

    it('fails exactly the requests it carried with 503, and loses nothing that was answered 200', async () => {
      // Act: 200 concurrent requests, every 25th poisoned
      const sent = training.slice(0, 200).map((f, i) => (i % 25 === 0 ? { ...f, poste: 'Poison' } : f));
      const responses = await Promise.all(sent.map((features) => request(api.url).post('/predict').send({ features })));
      // Assert
      const ok = responses.filter((r) => r.status === 200);
      const failed = responses.filter((r) => r.status !== 200);
      expect(failed.every((r) => r.status === 503 && r.headers['retry-after'] === '5')).toBe(true);
      // every poisoned request failed; some innocent ones shared its flush, the others were stored
      sent.forEach((f, i) => {
        if (f.poste === 'Poison') expect(responses[i].status).toBe(503);
      });
      expect(ok.length).toBeGreaterThan(0);
      expect(failed.length).toBeLessThan(200);
      await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: ok.length, outputs: ok.length });
      const stored: { id: number }[] = await api.dataSource.query('SELECT id FROM model_outputs');
      expect(stored.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(ok.map((r) => r.body.id).sort((a, b) => a - b));
      // and the service goes on
      await request(api.url).post('/predict').send({ features: training[1] }).expect(200);
    });
  });
});

describe('group commit on the embedded SQLite database', () => groupCommitSuite('sqlite'));
