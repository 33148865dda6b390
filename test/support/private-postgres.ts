import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './child-app';
import { admin } from './postgres';

const run = promisify(execFile);

/** Debian's PostgreSQL binaries; PG_BIN overrides (another version or distribution). */
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** The server refuses to run as root: as root, its commands run as this user. */
const PG_USER = 'postgres';

/**
 * A PostgreSQL server of the test's own (initdb into a temporary folder, its own port and socket
 * folder), for faults the machine's shared server must not suffer: an immediate shutdown, every
 * session terminated.
 */
export interface PrivatePostgres {
  /** URL of the database `attrition` on it. */
  url: string;
  /** Terminates every session of `attrition` but the caller's own; resolves with how many. */
  terminateSessions(): Promise<number>;
  /** `pg_ctl stop -m <mode>`. */
  stop(mode: 'immediate' | 'fast'): Promise<void>;
  /** `pg_ctl start -w`: resolves once the server accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(`No initdb in ${PG_BIN}: install PostgreSQL's server package or set PG_BIN`);
  }
  const folder = mkdtempSync(join(tmpdir(), 'attrition-pg-'));
  const data = join(folder, 'data');
  const port = await freePort();
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', PG_USER]);
    const { stdout: gid } = await run('id', ['-g', PG_USER]);
    chownSync(folder, Number(stdout), Number(gid));
  }
  const pg = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', PG_USER, '--', join(PG_BIN, command), ...args]) : run(join(PG_BIN, command), args);
  const options = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c max_connections=60`;
  const start = () => pg('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(folder, 'server.log'), '-o', options]).then(() => undefined);

  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  await start();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await admin((c) => c.query('CREATE DATABASE attrition'), adminUrl);

  return {
    url: `postgres://postgres@127.0.0.1:${port}/attrition`,
    terminateSessions: () =>
      admin(async (c) => {
        const { rows } = await c.query<{ count: string }>(
          `SELECT count(pg_terminate_backend(pid)) AS count FROM pg_stat_activity
           WHERE datname = 'attrition' AND pid <> pg_backend_pid()`,
        );
        return Number(rows[0].count);
      }, adminUrl),
    stop: (mode) => pg('pg_ctl', ['stop', '-w', '-m', mode, '-D', data]).then(() => undefined),
    start,
    async destroy() {
      await pg('pg_ctl', ['stop', '-w', '-m', 'immediate', '-D', data]).catch(() => undefined);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
