import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE } from '@app/validation';
import { useTestApp } from './support/app';
import { SENTINELS } from './support/log-privacy';
import { describeOn } from './support/test-settings';

/**
 * Sends the sentinel values of support/log-privacy.ts through every path a feature value takes,
 * while the run's log file records every level (LOG_FILE_LEVEL=trace). The check itself runs after the whole e2e run (support/e2e-log-check.ts):
 * it reads every line logged by every app of the run, at every level, and fails on any sentinel
 * or any `"<feature>":` key.
 */
for (const driver of ['sqlite', 'postgres'] as const) {
  describeOn(driver)(`feature values sent to the app on ${driver}, logged at every level`, () => {
    // Standard output stays at the tests' level (warn); the run's log file takes every level.
    const api = useTestApp(driver);
    const features = {
      ...EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE,
      poste: SENTINELS.poste,
      domaine_etude: SENTINELS.domaine_etude,
      revenu_mensuel: SENTINELS.revenu_mensuel,
      [SENTINELS.unknownKey]: SENTINELS.unknownValue,
    };

    it('are scored, stored, replayed, refused and listed (what the log check then reads)', async () => {
      const url = api().url;
      const stored = await request(url).post('/predict').set('Idempotency-Key', 'privacy-1').send({ features }).expect(200);
      expect(stored.body.warnings.map((w: { feature: string }) => w.feature)).toEqual(expect.arrayContaining(['poste', SENTINELS.unknownKey]));
      await request(url).post('/predict').set('Idempotency-Key', 'privacy-1').send({ features }).expect(200);
      await request(url).post('/predict').set('Idempotency-Key', 'privacy-1').send({ features: { ...features, revenu_mensuel: 2500 } }).expect(422);
      await request(url).post('/predict').send({ features: { ...features, age: -1 } }).expect(400);
      await request(url).post('/predict').set('Content-Type', 'application/json').send(`{"features": {"poste": "${SENTINELS.poste}"`).expect(400);
      const batch = await request(url).post('/predict/batch').send({ items: [{ features }, { features: { ...features, age: 'old' } }] }).expect(200);
      expect(batch.body).toMatchObject({ stored: 1, rejected: 1 });
      await request(url).get(`/predictions/${stored.body.id}`).expect(200);
      await request(url).get('/predictions/export.csv').expect(200);
      await request(url).post('/outcomes').send({ input_id: stored.body.input_id, left: 1, observed_at: '2026-01-31' }).expect(201);
    });
  });
}
