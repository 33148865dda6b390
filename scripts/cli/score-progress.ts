/**
 * The progress line of `npm run score`: rows, rows/s and errors, on stderr, at most once per
 * interval. Counted on the scored CSV as it goes out (CsvScoringService reports only at the end),
 * so the counts are those of rows already committed and written.
 */
import { Transform, TransformCallback } from 'node:stream';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Passes the scored CSV through unchanged, counting its data rows and those with an error. The
 * scored CSV's last column is `error`, empty for a stored row: a record that ends with a comma
 * outside quotes is a stored row, any other one has an error (a non-empty error cell). Quotes
 * toggle a state, so a line break inside a quoted cell does not end a record ("" inside a quoted
 * cell toggles twice). The first record is the header.
 */
export class ScoredCsvCounter extends Transform {
  rows = 0;
  errors = 0;
  private records = 0;
  private quoted = false;
  private last = -1;

  constructor(private readonly onChunk: (rows: number, errors: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const byte of chunk) {
      if (byte === QUOTE) this.quoted = !this.quoted;
      else if (byte === LF && !this.quoted) {
        if (this.records++ > 0) {
          this.rows++;
          if (this.last !== COMMA) this.errors++;
        }
        this.last = -1;
        continue;
      }
      if (byte !== CR) this.last = byte;
    }
    this.onChunk(this.rows, this.errors);
    callback(null, chunk);
  }
}

/** Writes `<rows> rows, <rows/s> rows/s, <errors> errors` lines, at most one per `intervalMs`. */
export class ProgressLine {
  private readonly started: number;
  private lastWritten: number;

  /**
   * @param write where a line goes (stderr in the CLI).
   * @param now a clock in milliseconds. @default performance.now
   * @param intervalMs least time between two lines, and before the first. @default 1000
   */
  constructor(
    private readonly write: (line: string) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 1000,
  ) {
    this.started = now();
    this.lastWritten = this.started;
  }

  update(rows: number, errors: number): void {
    const now = this.now();
    if (now - this.lastWritten < this.intervalMs) return;
    this.lastWritten = now;
    const perSecond = Math.round((rows * 1000) / Math.max(now - this.started, 1));
    this.write(`${rows} rows, ${perSecond} rows/s, ${errors} errors\n`);
  }
}
