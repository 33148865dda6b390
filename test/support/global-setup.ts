import { ADMIN_URL, canReachPostgres } from './postgres';
import runSetup from './run-setup';
import { TEST_SETTINGS } from './test-settings';

/**
 * The run's shared set-up (run-setup.ts), then decides once whether the PostgreSQL tests can run;
 * loud when they cannot.
 */
export default async function globalSetup(): Promise<void> {
  await runSetup();
  // TEST_ENGINES without postgres: the suites say so in their names, and the run's banner too.
  if (!TEST_SETTINGS.engines.includes('postgres')) return;
  if (await canReachPostgres()) {
    process.env.TEST_POSTGRES = 'available';
    return;
  }
  const message = `PostgreSQL is not reachable at ${ADMIN_URL}`;
  if (process.env.CI === 'true') {
    throw new Error(`${message}: CI=true, so the PostgreSQL tests must run. Start PostgreSQL or set TEST_POSTGRES_URL.`);
  }
  process.env.TEST_POSTGRES = 'unavailable';
  console.warn(`\n${'!'.repeat(78)}\n!! ${message}: the PostgreSQL integration and e2e tests are SKIPPED.\n${'!'.repeat(78)}\n`);
}
