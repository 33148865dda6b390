import { Readable, Writable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { ModelRunner } from '@app/inference';
import { FEATURE_NAMES, FeatureValidationError } from '@app/validation';
import { PREDICTION_OPTIONS, PredictionModuleOptions } from '../prediction.options';
import { ItemOutcome, PredictionService, ScoredItems } from '../prediction.service';
import { CSV_OUTPUT_COLUMNS, CsvLayout, outputCell } from './csv-layout';
import { CsvRecord, CsvRecordReader } from './csv-records';

/** Rows validated, scored and stored together: one inference run, one transaction. */
export const CSV_CHUNK_ROWS = 1000;
/** Most bytes in one record (the header included): a hostile file cannot build a giant line or row. */
export const CSV_MAX_RECORD_BYTES = 64 * 1024;
/** Most columns in the header: the 27 features and room for a spreadsheet's own columns. */
export const CSV_MAX_COLUMNS = 1000;
/**
 * Longest Idempotency-Key for a file, as for /predict: row r's key `<key>#row:<r>` fits the
 * database column (200 characters) whatever r.
 */
export const CSV_MAX_IDEMPOTENCY_KEY_LENGTH = 128;

/**
 * The idempotency key of data row `row` (1-based) of a file sent with `key`. `#` is outside the
 * syntax of client keys (letters, digits, `. _ : -`), so no key a client sends to /predict or as a
 * batch item's own can be a row's; `#row:` keeps rows apart from a batch's items (`<key>#<index>`).
 * Rows stored before this scheme have `<key>:<row>`, which a client may send: they are left as
 * they are (README, "Scoring a CSV file").
 */
export function csvRowKey(key: string, row: number): string {
  return `${key}#row:${row}`;
}

/** What to score and where to write it. */
export interface CsvScoringJob {
  /** The CSV file: a header row, then one employee per row. */
  input: Readable;
  /** Receives the scored CSV, written chunk by chunk, in row order, each chunk after it is committed. */
  output: Writable;
  /** Row r (1-based, header not counted) is stored with the idempotency key `<key>#row:<r>` (csvRowKey). */
  idempotencyKey?: string;
  /** The HTTP request's id, for the file's log line. */
  requestId?: string;
  /**
   * First data row to score (1-based); earlier rows are read but neither scored nor written.
   * @default 1
   */
  startRow?: number;
  /** Called once, just before the first byte is written (the HTTP controller sends its headers there). */
  beforeFirstWrite?: () => void;
}

/** What happened to a file. */
export interface CsvScoringSummary {
  /** Data rows written to the output (from startRow on). */
  rows: number;
  /** Rows stored by this call. */
  stored: number;
  /** Rows answered with the ids stored earlier under the same idempotency key; nothing new stored. */
  replayed: number;
  /** Rows answered with an error. */
  rejected: number;
  /** The reason reading stopped before the end of the file (a CSV syntax error), if it did. */
  stoppedAt?: { row: number; reason: string };
}

/** The output went away (the client disconnected, or stdout was closed): nothing more is stored. */
export class CsvOutputClosedError extends Error {
  constructor() {
    super('The output was closed before the file was scored');
  }
}

interface PendingRow {
  row: number;
  record: CsvRecord;
}

/** A chunk read, validated and scored, waiting for its transaction. */
interface ScoredChunk {
  rows: PendingRow[];
  /** By position in `rows`: the row's problem before validation (wrong number of fields). */
  problems: (string | undefined)[];
  /** By position in `rows`: its index among the items scored, for the rows without a problem. */
  itemOf: number[];
  scored?: ScoredItems;
}

/**
 * Streams a CSV file through the same path as POST /predict/batch: rows are read with
 * backpressure, grouped in chunks of at most CSV_CHUNK_ROWS, each chunk validated item by item and
 * scored (PredictionService.scoreItems), stored in one transaction (storeScored), then written
 * out. Chunks overlap, two at a time: chunk N+1's transaction starts as soon as chunk N's has
 * finished, while chunk N's rows are written; chunk N+2 is read and scored once chunk N is written,
 * while chunk N+1's transaction runs. So transactions run one at a time and commit in row order,
 * rows are written in row order, each after its chunk is committed, and at most two chunks are
 * held whatever the file size. Bad rows are answered in the `error` column; a header problem is a
 * FeatureValidationError before any row is read.
 */
@Injectable()
export class CsvScoringService {
  private readonly logger = new Logger(CsvScoringService.name);
  private readonly chunkRows: number;

  constructor(
    private readonly predictions: PredictionService,
    private readonly runner: ModelRunner,
    @Inject(PREDICTION_OPTIONS) options: PredictionModuleOptions,
  ) {
    this.chunkRows = Math.min(CSV_CHUNK_ROWS, options.maxBatchItems ?? CSV_CHUNK_ROWS);
  }

  async score(job: CsvScoringJob): Promise<CsvScoringSummary> {
    const started = performance.now();
    const startRow = job.startRow ?? 1;
    const records = new CsvRecordReader(job.input, CSV_MAX_RECORD_BYTES);
    const out = new CsvWriter(job.output, job.beforeFirstWrite);
    const summary: CsvScoringSummary = { rows: 0, stored: 0, replayed: 0, rejected: 0 };
    try {
      const layout = await this.readHeader(records);
      let row = 0;
      let pending: PendingRow[] = [];
      // The last chunk's transaction, and the last chunk's rows written out: two chains, so that
      // chunk N+1's transaction runs while chunk N is written, and chunk N+2 is read and scored.
      let committed: Promise<unknown> = Promise.resolve();
      let written: Promise<void> = Promise.resolve();
      const store = async (chunk: ScoredChunk) => {
        const previousWrite = written;
        // One transaction at a time, in row order.
        const stored = committed.then(() => this.storeChunk(chunk, out));
        // Rows written in row order, each chunk once committed.
        const ownWrite = Promise.all([stored, previousWrite]).then(([outcomes]) => this.writeChunk(chunk, outcomes, layout, out, summary));
        committed = stored;
        written = ownWrite;
        // Observed when awaited; until then a failure must not count as unhandled.
        stored.catch(() => undefined);
        ownWrite.catch(() => undefined);
        // At most two chunks held: the next one is read only once the one before this one is written.
        await previousWrite;
      };
      try {
        // A syntax error ends the records after the last good one (CsvRecordReader): every row
        // before it is scored and stored, and reading is said to stop at the bad one.
        for (let record = await records.next(); record !== undefined; record = await records.next()) {
          row++;
          if (row < startRow) continue;
          pending.push({ row, record });
          if (pending.length === this.chunkRows) {
            await store(await this.scoreChunk(pending, layout, job.idempotencyKey, out));
            pending = [];
          }
        }
        if (records.stopped !== undefined) summary.stoppedAt = { row: row + 1, reason: records.stopped };
        if (pending.length > 0) await store(await this.scoreChunk(pending, layout, job.idempotencyKey, out));
        await written;
      } catch (error) {
        // The transaction in flight finishes (committed or rolled back as a whole) before the error goes up.
        await Promise.allSettled([committed, written]);
        throw error;
      }
      if (summary.stoppedAt) {
        const { row: at, reason } = summary.stoppedAt;
        const blank = layout.header.map(() => '');
        await out.write(layout, [[...blank, at, '', '', '', '', `Reading stopped at row ${at}: ${reason}; this row and the rest of the file were not scored`]]);
      }
      await out.end(layout);
      this.logger.log({
        request_id: job.requestId,
        msg:
          `csv file: ${summary.rows} rows, ${summary.stored} stored, ${summary.rejected} rejected` +
          `${summary.replayed > 0 ? `, ${summary.replayed} replayed` : ''}` +
          `${summary.stoppedAt ? `, stopped at row ${summary.stoppedAt.row}` : ''} in ${(performance.now() - started).toFixed(0)} ms`,
      });
      return summary;
    } finally {
      // Whatever is left of the input is discarded, so an HTTP client still sending reads the answer.
      records.close();
    }
  }

  private async readHeader(records: CsvRecordReader): Promise<CsvLayout> {
    const first = await records.next();
    if (records.stopped !== undefined) {
      throw new FeatureValidationError([{ feature: 'header', constraint: 'csv', message: `The header row cannot be read: ${records.stopped}` }]);
    }
    if (first === undefined) {
      throw new FeatureValidationError([
        { feature: 'header', constraint: 'headerRow', message: 'The file is empty: expected a header row, then one employee per row' },
      ]);
    }
    if (first.invalidUtf8At !== undefined) {
      throw new FeatureValidationError([
        { feature: 'header', constraint: 'utf8', message: `The header row is not valid UTF-8 (byte offset ${first.invalidUtf8At}); send the file as UTF-8` },
      ]);
    }
    const specs = new Map(this.runner.manifest.features.map((f) => [f.name, f]));
    // Column names and order come from the request contract; each one's type from contract.json.
    const contract = FEATURE_NAMES.map((name) => specs.get(name)!);
    return CsvLayout.fromHeader(first.cells, contract, CSV_MAX_COLUMNS);
  }

  /** Validates and scores a chunk, storing nothing. */
  private async scoreChunk(rows: PendingRow[], layout: CsvLayout, key: string | undefined, out: CsvWriter): Promise<ScoredChunk> {
    out.throwIfClosed();
    const items: unknown[] = [];
    const keys: string[] = [];
    const itemOf = new Array<number>(rows.length);
    const problems = new Array<string | undefined>(rows.length);
    rows.forEach(({ row, record }, i) => {
      if (record.invalidUtf8At !== undefined) {
        problems[i] = `This row is not valid UTF-8 (byte offset ${record.invalidUtf8At} of the file); send the file as UTF-8`;
        return;
      }
      const item = layout.toItem(record.cells);
      if ('problem' in item) {
        problems[i] = item.problem;
        return;
      }
      itemOf[i] = items.length;
      items.push({ features: item.features });
      if (key !== undefined) keys.push(csvRowKey(key, row));
    });
    // The row keys go in as the batch's default keys, not as the items' own `idempotency_key`:
    // they are outside the syntax a client may send (csvRowKey).
    const scored = items.length > 0 ? await this.predictions.scoreItems(items, (index) => keys[index]) : undefined;
    return { rows, problems, itemOf, scored };
  }

  /** Stores a scored chunk in one transaction, unless the output has gone away. */
  private async storeChunk(chunk: ScoredChunk, out: CsvWriter): Promise<ItemOutcome[]> {
    out.throwIfClosed();
    return chunk.scored ? this.predictions.storeScored(chunk.scored) : [];
  }

  /** Writes a stored chunk's rows out, awaiting the output's drain. */
  private async writeChunk(chunk: ScoredChunk, outcomes: ItemOutcome[], layout: CsvLayout, out: CsvWriter, summary: CsvScoringSummary): Promise<void> {
    const width = layout.header.length;
    const lines = chunk.rows.map(({ row, record }, i) => {
      // A row with too few or too many fields keeps the columns aligned: padded, or cut to the header.
      const cells = Array.from({ length: width }, (_, c) => outputCell(record.cells[c] ?? ''));
      const outcome = chunk.problems[i] === undefined ? outcomes[chunk.itemOf[i]] : undefined;
      if (outcome?.status === 200) {
        if (outcome.replayed) summary.replayed++;
        else summary.stored++;
        const { id, inputId, probability, prediction } = outcome.record;
        return [...cells, row, id, inputId, probability, prediction, ''];
      }
      summary.rejected++;
      return [...cells, row, '', '', '', '', chunk.problems[i] ?? outcome?.error.detail ?? 'This row could not be scored'];
    });
    summary.rows += lines.length;
    await out.write(layout, lines);
  }
}

/** The output side: formula-escaped CSV, the header before the first row, backpressure honoured. */
class CsvWriter {
  private started = false;

  constructor(
    private readonly output: Writable,
    private readonly beforeFirstWrite?: () => void,
  ) {}

  throwIfClosed(): void {
    if (this.output.destroyed || this.output.writableEnded) throw new CsvOutputClosedError();
  }

  async write(layout: CsvLayout, rows: (string | number)[][]): Promise<void> {
    this.throwIfClosed();
    if (!this.started) {
      this.started = true;
      this.beforeFirstWrite?.();
      rows = [[...layout.header, ...CSV_OUTPUT_COLUMNS], ...rows];
    }
    // escape_formulas: a cell such as "=HYPERLINK(...)" must reach a spreadsheet as text, never as
    // a formula (OWASP CSV injection); numbers, negative ones too, stay numbers.
    if (!this.output.write(stringify(rows, { escape_formulas: true }))) await drained(this.output);
  }

  async end(layout: CsvLayout): Promise<void> {
    if (!this.started) await this.write(layout, []);
    this.throwIfClosed();
    await new Promise<void>((resolve, reject) => {
      this.output.once('error', reject);
      this.output.end(() => resolve());
    });
  }
}

/** Resolves when the output can take more, rejects when it closes first. */
function drained(output: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      output.off('drain', onDrain);
      output.off('close', onClose);
      output.off('error', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new CsvOutputClosedError());
    output.on('drain', onDrain);
    output.on('close', onClose);
    output.on('error', onClose);
  });
}
