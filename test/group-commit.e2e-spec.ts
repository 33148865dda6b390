import { Logger } from '@nestjs/common';
import request from 'supertest';
import { countRows, Driver, TestApp, truncate, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn } from './support/test-settings';
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

  describe('a poisoned row', () => {
    let api: TestApp;
    const booted = useTestApp('postgres', { truncate: false });

    beforeAll(async () => {
      api = booted();
      // Poison: the database refuses any input with a 'Poison' job role (not an outage: a value it will not store),
      // which fails the whole shared transaction that carries it.
      await api.dataSource.query(`
        CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.features->>'poste' = 'Poison' THEN
            RAISE EXCEPTION 'poisoned row: %', NEW.features->>'poste' USING ERRCODE = '22023';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER reject_poison BEFORE INSERT ON model_inputs FOR EACH ROW EXECUTE FUNCTION reject_poison();`);
    });

    const storedIds = async () =>
      ((await api.dataSource.query('SELECT id FROM model_outputs')) as { id: number }[]).map((r) => Number(r.id)).sort((a, b) => a - b);

    it('fails only the requests that carry it (500), every other request sharing its transaction is stored', async () => {
      // Act: 200 concurrent requests, every 25th poisoned
      const logged = jest.spyOn(Logger.prototype, 'error');
      const sent = training.slice(0, 200).map((f, i) => (i % 25 === 0 ? { ...f, poste: 'Poison' } : f));
      const responses = await Promise.all(sent.map((features) => request(api.url).post('/predict').send({ features })));
      const errorLines = JSON.stringify(logged.mock.calls);
      logged.mockRestore();
      // Assert: errors are logged, but never the refused value (the database's message quotes it)
      expect(errorLines).toContain('code 22023');
      expect(errorLines).not.toContain('Poison');
      expect(responses.map((r) => r.status)).toEqual(sent.map((f) => (f.poste === 'Poison' ? 500 : 200)));
      expect(responses.find((r) => r.status === 500)!.body).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        detail: 'Internal server error',
        request_id: expect.any(String),
      });
      const ok = responses.filter((r) => r.status === 200);
      await expect(countRows(api.dataSource)).resolves.toEqual({ inputs: 192, outputs: 192 });
      expect(await storedIds()).toEqual(ok.map((r) => r.body.id).sort((a, b) => a - b));
    });

    it('in a batch, reports the poisoned items by index and stores all the others', async () => {
      // Arrange
      await truncate(api.dataSource);
      const items = training.slice(0, 50).map((f, i) => ({ features: i === 7 || i === 31 ? { ...f, poste: 'Poison' } : f }));
      // Act
      const response = await request(api.url).post('/predict/batch').send({ items }).expect(200);
      // Assert
      expect(response.body).toMatchObject({ stored: 48, rejected: 2 });
      expect(response.body.results.filter((r: { status: number }) => r.status !== 200)).toEqual([
        { index: 7, status: 500, error: { statusCode: 500, error: 'Internal Server Error', detail: 'This item could not be stored' } },
        { index: 31, status: 500, error: { statusCode: 500, error: 'Internal Server Error', detail: 'This item could not be stored' } },
      ]);
      expect(await storedIds()).toEqual(
        response.body.results.flatMap((r: { result?: { id: number } }) => (r.result ? [r.result.id] : [])).sort((a: number, b: number) => a - b),
      );
    });
  });
});

describeOn('sqlite')('group commit on the embedded SQLite database', () => groupCommitSuite('sqlite'));
