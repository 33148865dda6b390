import { Readable, TransformCallback } from 'node:stream';
import { CsvError, Parser } from 'csv-parse';
import { firstInvalidUtf8 } from '@app/common';
import { CsvRecordLimit, CsvRecordTooLongError } from './csv-record-limit';

/** One record of the file, its cells decoded. */
export interface CsvRecord {
  cells: string[];
  /**
   * Byte offset in the file (0-based, a BOM counted) of the first byte of this record that is not
   * UTF-8, when there is one; its cells then hold U+FFFD in place of the bad bytes.
   */
  invalidUtf8At?: number;
}

/**
 * What csv-parse pushes with `raw`, `info` and `encoding: 'latin1'`: one character per byte, so
 * the strings hold the bytes as they came, whether UTF-8 or not.
 */
interface ParsedRecord {
  record: string[];
  raw: string;
  info: { bytes: number; lines: number };
}

/** A byte that is not ASCII, in a latin1 string. */
const NON_ASCII = /[\x80-\xff]/;

/**
 * csv-parse's stream, except that a syntax error ends the records instead of destroying the
 * stream. csv-parse raises the error from the same `_transform` call that pushed the records before
 * it, and a stream destroyed with an error drops what it has buffered: the valid rows just before
 * the bad one (all of them, the header included, when the file arrives in one piece) were lost, and
 * the error was blamed on the first of them. Here they are read first, then `failure` says why
 * reading stopped.
 */
class CsvRecordParser extends Parser {
  failure?: Error;

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      super._transform(chunk, encoding, (error) => this.settle(error, callback));
    } catch (error) {
      // A throw instead of an error passed on (a bug of the parser): reading stops there too.
      this.settle(error as Error, callback);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      super._flush((error) => this.settle(error, callback));
    } catch (error) {
      this.settle(error as Error, callback);
    }
  }

  private settle(error: Error | null | undefined, callback: TransformCallback): void {
    if (error && this.failure === undefined) {
      // csv-parse ignores every later chunk (its state says stop); the records read so far end here.
      this.failure = error;
      this.push(null);
    }
    callback();
  }
}

/**
 * Reads the records of a CSV file with backpressure: bytes bounded per record (CsvRecordLimit),
 * then csv-parse reading the bytes as latin1 (one character per byte, lossless), so that each
 * record is checked as UTF-8 before it is decoded: decoding as UTF-8 straight away would turn a
 * Windows-1252 `é` into U+FFFD without a word. (`encoding: null`, bytes out, would do too, but
 * csv-parse 7.0.3 then throws a TypeError while building any CsvError: CsvError.js calls
 * `Buffer#toString(null)`.) After the last record,
 * `stopped` says why reading ended early (a CSV syntax error or a record too long), if it did.
 */
export class CsvRecordReader {
  /** Why reading stopped before the end of the file: a sentence naming the line, if it did. */
  stopped?: string;
  private readonly limit: CsvRecordLimit;
  private readonly parser: CsvRecordParser;
  private readonly records: AsyncIterator<ParsedRecord>;
  /** The physical line the last record ended on. */
  private lastLine = 0;

  constructor(
    private readonly input: Readable,
    private readonly maxRecordBytes: number,
  ) {
    this.limit = new CsvRecordLimit(maxRecordBytes);
    this.parser = new CsvRecordParser({
      // The BOM is dropped by CsvRecordLimit: csv-parse's own BOM handling switches to decoding text.
      bom: false,
      encoding: 'latin1',
      raw: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: maxRecordBytes,
    });
    // Not stream.pipeline: on a syntax error it would destroy the input, and for an HTTP request
    // that closes the socket the answer still has to go through.
    input.on('error', (error) => this.parser.destroy(error));
    input.pipe(this.limit).pipe(this.parser);
    this.records = this.parser[Symbol.asyncIterator]() as AsyncIterator<ParsedRecord>;
  }

  /**
   * The next record, or undefined after the last one (then `stopped` is set if reading stopped
   * early). Rejects when the input fails (the client went away).
   */
  async next(): Promise<CsvRecord | undefined> {
    const next = await this.records.next();
    if (next.done) {
      this.stopped = this.stopReason();
      return undefined;
    }
    const { record, raw, info } = next.value;
    this.lastLine = info.lines;
    // ASCII (the usual row) reads the same in latin1 and UTF-8: nothing to check or convert.
    if (!NON_ASCII.test(raw)) return { cells: record };
    const cells = record.map((field) => (NON_ASCII.test(field) ? Buffer.from(field, 'latin1').toString('utf8') : field));
    const invalid = firstInvalidUtf8(Buffer.from(raw, 'latin1'));
    if (invalid === -1) return { cells };
    // `raw` runs from the end of the record before (skipped empty lines included) to this one's end.
    return { cells, invalidUtf8At: this.limit.bomBytes + info.bytes - raw.length + invalid };
  }

  /** Stops reading; whatever is left of the input is read and discarded, so an HTTP client still sending gets its answer. */
  close(): void {
    this.input.unpipe(this.limit);
    this.limit.unpipe(this.parser);
    this.parser.destroy();
    if (!this.input.destroyed) this.input.resume();
  }

  private stopReason(): string | undefined {
    if (this.limit.exceeded) return syntaxProblem(this.limit.exceeded, this.lastLine, this.maxRecordBytes);
    const failure = this.parser.failure;
    if (failure === undefined) return undefined;
    const reason = syntaxProblem(failure, this.lastLine, this.maxRecordBytes);
    if (reason === undefined) throw failure;
    return reason;
  }
}

const SYNTAX_PROBLEMS: Record<string, string> = {
  // csv-parse names this one without the CSV_ prefix.
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by other characters',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a closing quote is followed by other characters',
};

/**
 * A sentence for a CSV syntax error, in words of our own (csv-parse's messages quote the field),
 * naming the line; undefined for any other error.
 */
function syntaxProblem(error: unknown, lastLine: number, maxRecordBytes: number): string | undefined {
  if (error instanceof CsvRecordTooLongError) return `a record is longer than ${error.maxBytes} bytes (line ${error.line})`;
  if (!(error instanceof CsvError)) return undefined;
  // csv-parse finds an unclosed quote at the end of the file and names the last line; the record
  // it opened in starts on the line after the last record read.
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') return `a quoted field is not closed (in the record starting on line ${lastLine + 1})`;
  if (error.code === 'CSV_MAX_RECORD_SIZE') return `a record is longer than ${maxRecordBytes} characters (line ${lastLine + 1})`;
  const lines = (error as CsvError & { lines?: unknown }).lines;
  return `${SYNTAX_PROBLEMS[error.code] ?? 'malformed CSV'}${typeof lines === 'number' ? ` (line ${lines})` : ''}`;
}
