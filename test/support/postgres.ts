import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Server the tests create their databases on; trust auth on the development and CI machines. */
export const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function canReachPostgres(): Promise<boolean> {
  const client = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `work` on a connection of its own to `url` (the test server's admin database by default). */
export async function admin<T>(work: (client: Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Put into every test database's name (letters, digits, `_`), so that runs sharing one server can
 * tell their databases apart, e.g. TEST_DATABASE_TAG=ci42_.
 */
const TAG = process.env.TEST_DATABASE_TAG ?? '';
if (!/^[a-z0-9_]*$/.test(TAG)) throw new Error(`TEST_DATABASE_TAG must be lower-case letters, digits and _, not ${JSON.stringify(TAG)}`);

/** A fresh, empty database for one test file; `drop` removes it even with open connections. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `attrition_test_${TAG}${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
