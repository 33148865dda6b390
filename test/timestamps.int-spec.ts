import { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY } from '@app/validation';
import { Driver } from './support/app';
import { describeWithPostgres } from './support/describe-with-postgres';
import { describeOn } from './support/test-settings';
import { usePersistence } from './support/persistence';

const HOUR_MS = 3_600_000;

const entry = {
  features: { ...EXAMPLE_EMPLOYEE_LIKELY_TO_STAY },
  prediction: 0 as const,
  probability: 0.04,
  threshold: 0.32,
  modelVersion: '1.0.0',
  contributions: { age: -0.4 },
};

it('the integration tests run outside UTC (test/support/new-york.environment.js)', () => {
  expect(new Date('2026-01-15T12:00:00Z').getTimezoneOffset()).toBe(300);
});

/** created_at is a moment: the same one whatever the process's time zone, on write and on read. */
function timestampSuite(driver: Driver) {
  const persistence = usePersistence(driver);

  it('a stored prediction is dated now (within the hour, not hours off), and reads back the same', async () => {
    // Act
    const { repository } = persistence();
    const { record: recorded } = await repository.record(entry);
    const [outcome] = await repository.recordMany([{ ...entry, contributions: null }]);
    if (!outcome.stored) throw outcome.error;
    const batch = outcome.record;
    const read = await repository.findById(recorded.id);
    const [listed] = await repository.list({ limit: 1, from: new Date(Date.now() - HOUR_MS) });

    // Assert
    for (const createdAt of [recorded.createdAt, batch.createdAt]) {
      expect(Math.abs(createdAt.getTime() - Date.now())).toBeLessThan(HOUR_MS);
    }
    expect(read!.createdAt.toISOString()).toBe(recorded.createdAt.toISOString());
    expect(listed.id).toBe(batch.id);
  });
}

describeOn('sqlite')('timestamps outside UTC: embedded SQLite', () => timestampSuite('sqlite'));
describeWithPostgres('timestamps outside UTC: PostgreSQL', () => timestampSuite('postgres'));
