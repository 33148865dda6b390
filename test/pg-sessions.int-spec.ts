import { Pool, PoolClient } from 'pg';
import { postgresPoolConfig, SupervisedPgClient } from '@app/persistence';
import { describeWithPostgres } from './support/describe-with-postgres';
import { ADMIN_URL, createTestDatabase, TestDatabase } from './support/postgres';

/** Resolves once `client` has emitted 'error' (its session ended), with that error. */
const lostConnection = (client: PoolClient) => new Promise<Error>((resolve) => client.once('error', resolve));

describeWithPostgres("the service's PostgreSQL pools when the server ends a session", () => {
  let database: TestDatabase;
  let pool: Pool;
  let admin: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new Pool({ connectionString: database.url, ...postgresPoolConfig({ url: database.url }) });
    pool.on('error', () => undefined);
    admin = new Pool({ connectionString: ADMIN_URL, max: 1 });
  });

  afterAll(async () => {
    await pool?.end();
    await admin?.end();
    await database?.drop();
  });

  it('creates every connection as a SupervisedPgClient', async () => {
    const client = await pool.connect();
    try {
      expect(client).toBeInstanceOf(SupervisedPgClient);
    } finally {
      client.release();
    }
  });

  it('survives the end of a checked-out session between statements, then discards it on release and serves a new one', async () => {
    // Arrange: a client checked out of the pool, between two statements (no pool listener on it)
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const lost = lostConnection(client);
    // Act: what a DBA, a switchover or a pooler restart does. Without a listener of the client's
    // own, the 'error' event would be thrown and end this process (jest reports it as a failure).
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    const error = await lost;
    // Assert
    expect(error.message).toMatch(/terminating connection due to administrator command|Connection terminated/);
    expect((client as SupervisedPgClient).lostWith).toBe(error);
    await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable/);
    client.release();
    const again = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(again.rows).toEqual([{ one: 1 }]);
  });
});
