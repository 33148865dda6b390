import { describeOn } from './test-settings';

/**
 * `describe` when PostgreSQL is reachable and TEST_ENGINES includes it, a named skip otherwise.
 * An unreachable server skips only outside CI: with CI=true the global setup fails the run
 * instead (test/support/global-setup.ts).
 */
export const describeWithPostgres: jest.Describe = describeOn('postgres');
