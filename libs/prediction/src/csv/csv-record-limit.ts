import { Transform, TransformCallback } from 'node:stream';

const QUOTE = 0x22;
const LF = 0x0a;

/** A CSV record longer than the limit: the file is not read further. */
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
 * (`""`) toggles twice and so changes nothing. A stray quote can only make a record look longer,
 * never let a long one through.
 */
export class CsvRecordLimit extends Transform {
  private inQuotes = false;
  private recordBytes = 0;
  private line = 1;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === QUOTE) {
        this.inQuotes = !this.inQuotes;
      } else if (byte === LF) {
        this.line++;
        if (!this.inQuotes) {
          this.recordBytes = 0;
          continue;
        }
      }
      if (++this.recordBytes > this.maxBytes) {
        callback(new CsvRecordTooLongError(this.maxBytes, this.line));
        return;
      }
    }
    callback(null, chunk);
  }
}
