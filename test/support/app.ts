import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import pino, { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { AppModule } from '../../apps/api/src/app.module';
import { LOG_DESTINATION } from '../../apps/api/src/logging/logging';
import { NEST_APP_OPTIONS, setupApp } from '../../apps/api/src/setup-app';
import { createTestDatabase, TestDatabase } from './postgres';

export type Driver = 'postgres' | 'sqlite';

export interface TestApp {
  app: NestExpressApplication;
  /** Base URL of the listening server: the tests speak real HTTP to it. */
  url: string;
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * Boots AppModule in-process with the same setupApp as main.ts, listening on an ephemeral port.
 * `env` is applied while the configuration is read, then restored.
 */
export async function bootApp(
  env: Record<string, string | undefined>,
  override: (builder: TestingModuleBuilder) => TestingModuleBuilder = (b) => b,
): Promise<TestApp> {
  const saved = Object.fromEntries(
    ['LOG_LEVEL', 'RATE_LIMIT_PREDICT', 'RATE_LIMIT_BATCH', 'HTTP_MAX_CONNECTIONS_PER_CLIENT', ...Object.keys(env)].map((k) => [k, process.env[k]]),
  );
  // Every test client is 127.0.0.1: per-client rate limits and the per-client connection cap (tests
  // send up to 300 requests at once) are off unless a test turns them on.
  Object.assign(process.env, { LOG_LEVEL: 'warn', RATE_LIMIT_PREDICT: '0', RATE_LIMIT_BATCH: '0', HTTP_MAX_CONNECTIONS_PER_CLIENT: '0', ...env });
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  try {
    const moduleRef = await override(
      Test.createTestingModule({ imports: [AppModule] }).overrideProvider(LOG_DESTINATION).useValue(expectedLinesDestination()),
    ).compile();
    const app = setupApp(moduleRef.createNestApplication<NestExpressApplication>(NEST_APP_OPTIONS));
    await app.listen(0, '127.0.0.1');
    return { app, url: await app.getUrl(), dataSource: app.get(DataSource), close: () => app.close() };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * Where an in-process app's own log lines go (LOG_LEVEL=warn by default here: the warnings and
 * errors the tests provoke): the run's file of expected log lines (TEST_QUIET_LOG_FILE, see
 * run-setup.ts), not the terminal. Every line also reaches the e2e run's LOG_FILE at every level.
 * A test that reads the lines overrides LOG_DESTINATION itself, after this.
 */
function expectedLinesDestination(): DestinationStream {
  const file = process.env.TEST_QUIET_LOG_FILE;
  if (!file || process.env.TEST_LOG_LEVEL === 'debug') return pino.destination({ fd: 1, sync: false });
  return { write: (line: string) => appendFileSync(file, line) };
}

/** A database of the given driver for one test file: its env for bootApp, and its removal. */
export interface DatabaseUnderTest {
  env: Record<string, string | undefined>;
  drop(): Promise<void>;
}

export async function databaseFor(driver: Driver): Promise<DatabaseUnderTest> {
  if (driver === 'postgres') {
    const db: TestDatabase = await createTestDatabase();
    return { env: { DATABASE_URL: db.url, SQLITE_PATH: undefined }, drop: () => db.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'attrition-sqlite-'));
  return {
    env: { DATABASE_URL: undefined, SQLITE_PATH: join(dir, 'attrition.sqlite') },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function truncate(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type === 'postgres') {
    // CASCADE empties the tables that reference model_inputs too (model_outcomes).
    await dataSource.query('TRUNCATE model_outputs, model_inputs RESTART IDENTITY CASCADE');
  } else {
    await dataSource.query('DELETE FROM model_outputs');
    await dataSource.query('DELETE FROM model_inputs');
  }
}

export async function countRows(dataSource: DataSource): Promise<{ inputs: number; outputs: number }> {
  const [{ n: inputs }] = await dataSource.query('SELECT COUNT(*) AS n FROM model_inputs');
  const [{ n: outputs }] = await dataSource.query('SELECT COUNT(*) AS n FROM model_outputs');
  return { inputs: Number(inputs), outputs: Number(outputs) };
}

/**
 * Registers the hooks of one test file: a fresh database of `driver` and the app booted on it
 * before all tests, tables emptied after each (unless `truncate: false`), both removed at the end.
 * Returns the booted app (valid from the first test on).
 */
export function useTestApp(
  driver: Driver,
  { env = {}, truncate: emptyAfterEach = true }: { env?: Record<string, string | undefined>; truncate?: boolean } = {},
): () => TestApp {
  let database: DatabaseUnderTest | undefined;
  let api: TestApp | undefined;
  beforeAll(async () => {
    database = await databaseFor(driver);
    api = await bootApp({ ...database.env, ...env });
  });
  if (emptyAfterEach) afterEach(() => truncate(api!.dataSource));
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });
  return () => api!;
}
