import { Logger } from '@nestjs/common';
import { Client, ClientConfig } from 'pg';
import { RepeatedWarning } from '@app/common';

/** At most one "connection lost" line per interval and process; the others are counted in it. */
const LOST_LOG_INTERVAL_MS = 10_000;
const lost = new RepeatedWarning(new Logger('PostgresConnection'), LOST_LOG_INTERVAL_MS);

/**
 * pg's Client with an 'error' listener for its whole life, the class every pool of the service
 * creates its connections with (`Client` in postgresPoolConfig).
 *
 * pg emits 'error' on a client whose connection dies while no query of its is running: the server
 * ended the session (pg_terminate_backend, a switchover, a fast or immediate shutdown, a pooler
 * restart), or the socket broke. A pool listens for that only while the client is idle in it; a
 * checked-out client between two statements, or whose last reply and the server's FATAL message
 * arrived in one read, had no listener, and an 'error' event without a listener ends the process.
 * Here the error is recorded and logged; the client is not queryable any more, so pg fails its
 * next query at once (nothing sent), and the pool discards it when it is released (pg-pool never
 * hands out a client that is not queryable).
 */
export class SupervisedPgClient extends Client {
  /** The error that ended this connection, once it has ended; undefined while it is usable. */
  lostWith?: Error;

  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', (error: Error) => {
      this.lostWith ??= error;
      lost.warn(`A PostgreSQL connection was lost: ${error.message}`);
    });
  }
}
