/**
 * `describe` when PostgreSQL is reachable, `describe.skip` otherwise. Skipping happens only
 * outside CI: with CI=true the global setup fails the run instead (test/support/global-setup.ts).
 */
export const describeWithPostgres: jest.Describe =
  process.env.TEST_POSTGRES === 'available' ? describe : describe.skip;
