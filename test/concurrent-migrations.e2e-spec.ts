import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { POSTGRES_MIGRATIONS } from '../libs/persistence/src/migrations';
import { describeWithPostgres } from './support/describe-with-postgres';
import { createTestDatabase, TestDatabase } from './support/postgres';

const ROOT = join(__dirname, '..');
/** Every PostgreSQL migration, oldest first, as the migrations table records them. */
const MIGRATION_NAMES = POSTGRES_MIGRATIONS.map((migration) => migration.name);
const REPLICAS = 3;

interface Replica {
  child: ChildProcess;
  output: string;
  ready: Promise<boolean>;
}

/** Starts test/support/persistence-replica.ts in a process of its own; `ready` resolves false when it exits first. */
function startReplica(databaseUrl: string): Replica {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'test/support/persistence-replica.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  const replica: Replica = { child, output: '', ready: Promise.resolve(false) };
  replica.ready = new Promise((resolve) => {
    const collect = (chunk: Buffer) => {
      replica.output += chunk.toString();
      if (replica.output.includes('Replica ready')) resolve(true);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', () => resolve(false));
  });
  return replica;
}

describeWithPostgres('replicas starting together on an empty PostgreSQL database', () => {
  let database: TestDatabase;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const { child } of replicas) if (child.exitCode === null) child.kill('SIGKILL');
    await database?.drop();
  });

  it('all come up, one applies the migrations, and no migration error is logged', async () => {
    // Act
    replicas = Array.from({ length: REPLICAS }, () => startReplica(database.url));
    const up = await Promise.all(replicas.map((r) => r.ready));
    // Assert
    const outputs = replicas.map((r) => r.output);
    expect(up).toEqual(replicas.map(() => true));
    for (const output of outputs) {
      expect(output).not.toMatch(/Unable to connect|migration failed|already exists|duplicate key|ERROR/i);
    }
    expect(outputs.filter((o) => o.includes('Applied migrations:'))).toHaveLength(1);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query('SELECT name FROM migrations ORDER BY id');
    await client.end();
    expect(rows.map((r) => r.name)).toEqual(MIGRATION_NAMES);
  }, 120_000);

  it('a failing migration stops the start-up at once, naming the migration and the real cause', async () => {
    // Arrange: a database where the first migration cannot run (its table exists, unrecorded)
    const broken = await createTestDatabase();
    const client = new Client({ connectionString: broken.url });
    await client.connect();
    await client.query('CREATE TABLE model_inputs (id int)');
    await client.end();
    try {
      // Act
      const replica = startReplica(broken.url);
      const ready = await replica.ready;
      await new Promise((resolve) => (replica.child.exitCode === null ? replica.child.once('exit', resolve) : resolve(null)));
      // Assert
      expect(ready).toBe(false);
      expect(replica.child.exitCode).toBe(1);
      expect(replica.output).toContain(
        `Database migration failed (pending: ${MIGRATION_NAMES.join(', ')}): relation "model_inputs" already exists`,
      );
      expect(replica.output).not.toContain('Unable to connect to the database');
    } finally {
      await broken.drop();
    }
  }, 120_000);
});
