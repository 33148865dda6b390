import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE } from '@app/validation';
import { TestApp, useTestApp } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';

/** Races per run: each one an outcome and the erasure of its input, sent at the same time. */
const RACES = 200;
/** Races in flight at once, so that the database is busy as it is under real load. */
const CONCURRENCY = 8;

describeWithPostgres('POST /outcomes racing DELETE /inputs/:id (PostgreSQL)', () => {
  let api: TestApp;
  const booted = useTestApp('postgres');
  beforeAll(() => (api = booted()));

  async function storeInputs(count: number): Promise<number[]> {
    const items = Array.from({ length: count }, () => ({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }));
    const { body } = await request(api.url).post('/predict/batch').send({ items }).expect(200);
    return body.results.map((r: { result: { input_id: number } }) => r.result.input_id);
  }

  it(`answers 201 or the usual 404, never a 5xx, in ${RACES} races, and leaves no outcome without its input`, async () => {
    // Arrange
    const inputIds = await storeInputs(RACES);
    const outcomes: { inputId: number; status: number; body: Record<string, unknown> }[] = [];
    const erasures: number[] = [];

    // Act: half the outcomes in the single form, half as a one-item list.
    let next = 0;
    const race = async (): Promise<void> => {
      while (next < inputIds.length) {
        const index = next++;
        const inputId = inputIds[index];
        const outcome = { input_id: inputId, left: 1, observed_at: '2026-06-30' };
        const [posted, erased] = await Promise.all([
          request(api.url).post('/outcomes').send(index % 2 === 0 ? outcome : { items: [outcome] }),
          request(api.url).delete(`/inputs/${inputId}`),
        ]);
        const single = index % 2 === 0;
        outcomes.push({
          inputId,
          status: single || posted.status !== 200 ? posted.status : posted.body.results[0].status,
          body: single || posted.status !== 200 ? posted.body : posted.body.results[0].error ?? posted.body.results[0].result,
        });
        erasures.push(erased.status);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, race));

    // Assert
    const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {});
    const { 201: created = 0, 404: notFound = 0, ...unexpected } = tally(outcomes.map((o) => o.status));
    expect(unexpected).toEqual({});
    expect(created + notFound).toBe(RACES);
    expect(tally(erasures)).toEqual({ 204: RACES });
    for (const { inputId, body } of outcomes.filter((o) => o.status === 404)) {
      expect(body).toMatchObject({ statusCode: 404, error: 'Not Found', detail: `No input with id ${inputId}` });
    }
    const [{ n }] = await api.dataSource.query('SELECT COUNT(*) AS n FROM model_outcomes');
    expect(Number(n)).toBe(0);
  });
});
