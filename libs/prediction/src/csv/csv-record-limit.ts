import { Transform, TransformCallback } from 'node:stream';

const QUOTE = 0x22;
const LF = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A CSV record longer than the limit: the file is read no further. */
export class CsvRecordTooLongError extends Error {
  constructor(
    readonly maxBytes: number,
    /** 1-based physical line where the limit was crossed. */
    readonly line: number,
  ) {
    super(`a record is longer than ${maxBytes} bytes (at line ${line})`);
  }
}

/**
 * Bounds the bytes of every CSV record before the parser sees them. csv-parse's own
 * `max_record_size` counts field characters only, so a line of a million delimiters (a million
 * empty fields) would pass it and build a million-element array; counting raw bytes per record
 * bounds the field count too. A record ends at a line feed outside double quotes; an escaped quote
 * (`""`) toggles twice and so changes nothing, and a stray quote can only make a record look
 * longer, never let a long one through.
 *
 * Only whole records are passed on (the unfinished one is held back, at most `maxBytes`). When a
 * record crosses the limit, the records before it are passed on, the output ends there (the
 * parser sees a clean end of file), `exceeded` tells why, and the rest of the input is read and
 * dropped, so that an HTTP client still sending can read its answer.
 *
 * A UTF-8 byte order mark at the start is dropped too (`bomBytes` says so): the parser after it
 * works on bytes, and its own BOM handling would switch it to decoding text.
 */
export class CsvRecordLimit extends Transform {
  /** Set when a record crossed the limit: everything from that record on was dropped. */
  exceeded?: CsvRecordTooLongError;
  /** Bytes of the byte order mark dropped from the start of the input: 3 or 0. */
  bomBytes = 0;
  /** The first bytes, until there are enough of them to tell whether they start with a BOM. */
  private head: Buffer | undefined = Buffer.alloc(0);
  private held: Buffer = Buffer.alloc(0);
  private inQuotes = false;
  private line = 1;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.exceeded) return callback();
    if (this.head !== undefined) {
      const head = Buffer.concat([this.head, chunk]);
      if (head.length < BOM.length && BOM.subarray(0, head.length).equals(head)) {
        this.head = head;
        return callback();
      }
      this.head = undefined;
      this.bomBytes = head.subarray(0, BOM.length).equals(BOM) ? BOM.length : 0;
      chunk = head.subarray(this.bomBytes);
    }
    const data = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    // Bytes of `held` were scanned already; their record starts at 0.
    let recordStart = 0;
    for (let i = this.held.length; i < data.length; i++) {
      const byte = data[i];
      if (byte === QUOTE) {
        this.inQuotes = !this.inQuotes;
      } else if (byte === LF) {
        this.line++;
        if (!this.inQuotes) {
          recordStart = i + 1;
          continue;
        }
      }
      if (i - recordStart >= this.maxBytes) {
        this.exceeded = new CsvRecordTooLongError(this.maxBytes, this.line);
        this.held = Buffer.alloc(0);
        if (recordStart > 0) this.push(data.subarray(0, recordStart));
        this.push(null);
        return callback();
      }
    }
    if (recordStart > 0) this.push(data.subarray(0, recordStart));
    this.held = Buffer.from(data.subarray(recordStart));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    // A file of one or two bytes that begin like a BOM: not one, passed on as they are.
    if (this.head !== undefined && this.head.length > 0) this.push(this.head);
    // The last record, without a final line break.
    if (!this.exceeded && this.held.length > 0) this.push(this.held);
    callback();
  }
}
