import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { errorCode } from './database-errors';

/** How long a refused write keeps the database reported as refusing writes, unless a write succeeds. */
const REFUSAL_WINDOW_MS = 10_000;
/** Same bound as the readiness ping's. */
const PROBE_TIMEOUT_MS = 1500;

// PostgreSQL: read-only transaction, insufficient resources (disk full, out of memory), I/O error;
// SQLite: disk full, read-only database, I/O error. The database answers, but will not store.
const REFUSAL = /^(25006|53\d{3}|58030|SQLITE_(FULL|READONLY|IOERR))/;

/**
 * Whether the database accepts writes, which a ping cannot tell: the writes' own recent
 * refusals (disk full, read-only), and on PostgreSQL whether new sessions are read-only.
 */
@Injectable()
export class DatabaseWriteHealth {
  private refused?: { code: string; at: number };

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Told the outcome of every write: `error` when it failed, nothing when it was committed. */
  noteWrite(error?: unknown): void {
    if (error === undefined) {
      this.refused = undefined;
      return;
    }
    const code = errorCode(error) ?? '';
    if (REFUSAL.test(code)) this.refused = { code, at: Date.now() };
  }

  /** Why the database does not accept writes now, or undefined when it does (as far as can be told). */
  async refusal(): Promise<string | undefined> {
    if (this.refused && Date.now() - this.refused.at < REFUSAL_WINDOW_MS) {
      return `writes refused (code ${this.refused.code})`;
    }
    if (this.dataSource.options.type === 'postgres' && (await this.readOnly())) return 'the database is read-only';
    return undefined;
  }

  /** Unreachable or slow counts as "cannot tell": the readiness ping reports reachability. */
  private readOnly(): Promise<boolean> {
    const probe = this.dataSource
      .query(`SELECT current_setting('transaction_read_only') AS "readOnly"`)
      .then((rows: { readOnly: string }[]) => rows[0]?.readOnly === 'on')
      .catch(() => false);
    return Promise.race([probe, sleep(PROBE_TIMEOUT_MS, false, { ref: false })]);
  }
}
