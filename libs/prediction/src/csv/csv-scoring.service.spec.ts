import { PassThrough, Readable, Writable } from 'node:stream';
import { Test } from '@nestjs/testing';
import { parse } from 'csv-parse/sync';
import { AttritionScore, FeatureRow, ModelManifest, ModelRunner } from '@app/inference';
import { NewPredictionRecord, PredictionLogRepository, RecordOutcome } from '@app/persistence';
import { FeatureMapper, FeatureValidationError, RequestValidator } from '@app/validation';
import { VALIDATION_OPTIONS } from '../../../validation/src/request-validator';
import { loadContract } from '../../../../test/fixtures/artifacts';
import { generateCsv } from '../../../../scripts/bench/csv-generate';
import { PREDICTION_OPTIONS } from '../prediction.options';
import { PredictionService } from '../prediction.service';
import { CsvOutputClosedError, CsvScoringService } from './csv-scoring.service';

/** Rows per chunk in these tests (the service takes the smaller of CSV_CHUNK_ROWS and maxBatchItems). */
const CHUNK = 10;

/** Scores every row 0.8 and calls `onScore` with the 1-based number of the chunk being scored. */
class FakeRunner extends ModelRunner {
  chunks = 0;
  onScore: (chunk: number) => void = () => undefined;
  constructor(readonly manifest: ModelManifest) {
    super();
  }
  isReady() {
    return true;
  }
  async score(rows: readonly FeatureRow[]): Promise<AttritionScore[]> {
    this.onScore(++this.chunks);
    return rows.map(() => ({ probability: 0.8, label: 1 as const, contributions: null as unknown as Record<string, number> }));
  }
}

/**
 * The ledger: each recordMany call is one transaction, numbered from 1, that commits when
 * `commit(n)` says so; ids are handed out at commit, in commit order.
 */
class FakeLedger {
  transactions = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Every idempotency key stored, in order; an entry whose key is here is replayed. */
  readonly keys: string[] = [];
  private readonly byKey = new Map<string, RecordOutcome>();
  private nextId = 1;
  commit: (transaction: number) => Promise<void> = () => Promise.resolve();
  onStart: (transaction: number) => void = () => undefined;

  recordMany = async (entries: readonly NewPredictionRecord[]): Promise<RecordOutcome[]> => {
    const transaction = ++this.transactions;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.onStart(transaction);
    try {
      await this.commit(transaction);
      return entries.map((entry): RecordOutcome => {
        const before = entry.idempotencyKey === undefined ? undefined : this.byKey.get(entry.idempotencyKey);
        if (before) return { ...before, replayed: true } as RecordOutcome;
        const id = this.nextId++;
        const outcome: RecordOutcome = { stored: true, replayed: false, record: { ...entry, id, inputId: id, createdAt: new Date() } };
        if (entry.idempotencyKey !== undefined) {
          this.keys.push(entry.idempotencyKey);
          this.byKey.set(entry.idempotencyKey, outcome);
        }
        return outcome;
      });
    } finally {
      this.inFlight--;
    }
  };
}

/** The lines of a generated file of `rows` employees: the header, then data row r at index r. */
async function csvLines(rows: number): Promise<string[]> {
  let text = '';
  for await (const piece of generateCsv(rows)) text += piece;
  return text.trimEnd().split('\n');
}

/** `bytes` as a stream of pieces of `size` bytes (Infinity: one piece). */
function piecesOf(bytes: Buffer, size: number): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += Math.min(size, bytes.length)) pieces.push(bytes.subarray(i, i + size));
  return Readable.from(pieces);
}

/** Scores `bytes` into a string: the summary, and the output's rows. */
async function scoreText(
  service: CsvScoringService,
  bytes: Buffer,
  piece = Infinity,
  idempotencyKey?: string,
): Promise<{ summary: Awaited<ReturnType<CsvScoringService['score']>>; rows: Record<string, string>[]; text: string }> {
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const summary = await service.score({ input: piecesOf(bytes, piece), output, idempotencyKey });
  return { summary, rows: parse(text, { columns: true }) as Record<string, string>[], text };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function serviceWith(runner: ModelRunner, ledger: FakeLedger): Promise<CsvScoringService> {
  const moduleRef = await Test.createTestingModule({
    providers: [
      CsvScoringService,
      PredictionService,
      FeatureMapper,
      RequestValidator,
      { provide: VALIDATION_OPTIONS, useValue: {} },
      { provide: PREDICTION_OPTIONS, useValue: { maxBatchItems: CHUNK } },
      { provide: ModelRunner, useValue: runner },
      { provide: PredictionLogRepository, useValue: { recordMany: ledger.recordMany } },
    ],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(CsvScoringService);
}

/**
 * A sink that takes `delayMs` per write and holds at most one byte, counting the data rows it took
 * and the most writes handed to it and not yet taken.
 */
function slowSink(delayMs: number): { output: Writable; taken: () => number; mostPending: () => number } {
  let text = '';
  let handed = 0;
  let done = 0;
  let mostPending = 0;
  const output = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      setTimeout(() => {
        text += chunk.toString();
        done++;
        callback();
      }, delayMs);
    },
  });
  const write = output.write.bind(output) as (chunk: unknown) => boolean;
  output.write = ((chunk: unknown) => {
    handed++;
    mostPending = Math.max(mostPending, handed - done);
    return write(chunk);
  }) as Writable['write'];
  // The header line is not a data row.
  return { output, taken: () => Math.max(0, text.split('\n').length - 2), mostPending: () => mostPending };
}

describe('CsvScoringService', () => {
  const manifest = loadContract();
  let runner: FakeRunner;
  let ledger: FakeLedger;

  beforeEach(() => {
    runner = new FakeRunner(manifest);
    ledger = new FakeLedger();
  });

  it('scores chunk N+1 while chunk N is being stored, one transaction at a time, and writes the rows in order', async () => {
    // Arrange: odd transactions are slow, even ones fast, so a second transaction started early
    // would commit (and be written) first
    const events: string[] = [];
    runner.onScore = (chunk) => events.push(`score ${chunk}`);
    ledger.onStart = (n) => events.push(`store ${n}`);
    ledger.commit = async (n) => {
      // Gives the next chunk (there are 10) up to a second to be scored before this one commits.
      const deadline = performance.now() + 1000;
      while (n < 10 && runner.chunks <= n && performance.now() < deadline) await sleep(1);
      if (n % 2 === 1) await sleep(20);
      events.push(`commit ${n}`);
    };
    const service = await serviceWith(runner, ledger);
    const output = new PassThrough();
    let text = '';
    output.on('data', (piece: Buffer) => (text += piece.toString()));
    // Act
    const summary = await service.score({ input: generateCsv(95, { rowsPerPiece: 7 }), output });
    // Assert: every row, in row order, ids in row order (commits in row order)
    expect(summary).toEqual({ rows: 95, stored: 95, replayed: 0, rejected: 0 });
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => Number(r.row))).toEqual(Array.from({ length: 95 }, (_, i) => i + 1));
    expect(rows.map((r) => r.employee_no)).toEqual(Array.from({ length: 95 }, (_, i) => `E-${i + 1}`));
    expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: 95 }, (_, i) => i + 1));
    expect(ledger.transactions).toBe(10);
    expect(ledger.maxInFlight).toBe(1);
    // The overlap: the next chunk is scored before the current one commits
    for (let n = 1; n < 10; n++) {
      expect(events.indexOf(`score ${n + 1}`)).toBeLessThan(events.indexOf(`commit ${n}`));
      expect(events.indexOf(`store ${n + 1}`)).toBeGreaterThan(events.indexOf(`commit ${n}`));
    }
  });

  it('holds at most two chunks: chunk N+2 is scored only once the output has taken chunk N, and hands the output one chunk at a time', async () => {
    // Arrange: fast transactions, an output that takes one write every 15 ms and buffers nothing
    const sink = slowSink(15);
    const takenWhenScored: number[] = [];
    runner.onScore = () => takenWhenScored.push(sink.taken());
    const service = await serviceWith(runner, ledger);
    // Act
    await service.score({ input: generateCsv(80, { rowsPerPiece: 3 }), output: sink.output });
    // Assert: when chunk k is scored, chunks 1..k-2 are out of the process
    expect(takenWhenScored).toHaveLength(8);
    takenWhenScored.forEach((taken, i) => {
      const chunk = i + 1;
      expect({ chunk, taken: taken >= (chunk - 2) * CHUNK }).toEqual({ chunk, taken: true });
    });
    expect(sink.taken()).toBe(80);
    // A chunk's rows go to the output only once the output has taken the chunk before
    expect(sink.mostPending()).toBe(1);
  });

  it('when the output closes during a transaction, that chunk commits, nothing after it is stored, and scoring rejects', async () => {
    // Arrange: the output is destroyed while the second transaction runs
    const output = new PassThrough();
    let text = '';
    output.on('data', (piece: Buffer) => (text += piece.toString()));
    ledger.commit = async (n) => {
      if (n === 2) {
        output.destroy();
        await sleep(20);
      }
    };
    const service = await serviceWith(runner, ledger);
    // Act
    const scoring = service.score({ input: generateCsv(60), output });
    // Assert: chunk 2 committed but not written; chunk 3 scored, never stored
    await expect(scoring).rejects.toBeInstanceOf(CsvOutputClosedError);
    expect(ledger.transactions).toBe(2);
    expect(runner.chunks).toBeGreaterThanOrEqual(2);
    expect(runner.chunks).toBeLessThanOrEqual(3);
    const written = parse(text, { columns: true }) as Record<string, string>[];
    expect(written.map((r) => Number(r.row))).toEqual(Array.from({ length: CHUNK }, (_, i) => i + 1));
  });

  it('when the output closes while a chunk is written, the next chunk, already in its transaction, commits too: at most two chunks stored and not received', async () => {
    // Arrange: a slow output, destroyed when the second transaction starts (chunk 1 is being written then)
    const sink = slowSink(30);
    ledger.onStart = (n) => {
      if (n === 2) sink.output.destroy();
    };
    const service = await serviceWith(runner, ledger);
    // Act
    const scoring = service.score({ input: generateCsv(60), output: sink.output });
    // Assert: chunks 1 and 2 committed, none received, nothing after them stored
    await expect(scoring).rejects.toBeInstanceOf(CsvOutputClosedError);
    expect(ledger.transactions).toBe(2);
    expect(sink.taken()).toBe(0);
  });
  describe('a CSV syntax error in data row N', () => {
    // Row 5's employee number holds a stray quote (line 6: the header is line 1)
    const stray = async () => {
      const lines = await csvLines(8);
      lines[5] = lines[5].replace('E-5', 'E"5');
      return Buffer.from(lines.join('\n') + '\n');
    };

    it.each([
      ['in one piece', Infinity],
      ['in pieces of 7 bytes', 7],
    ])('answers and stores rows 1..N-1 and says reading stopped at row N, on its line (file %s)', async (_, piece) => {
      // Arrange
      const service = await serviceWith(runner, ledger);
      // Act
      const { summary, rows } = await scoreText(service, await stray(), piece);
      // Assert: rows 1-4 stored and answered, row 5 named with line 6, nothing after it
      expect(summary).toEqual({ rows: 4, stored: 4, replayed: 0, rejected: 0, stoppedAt: { row: 5, reason: 'a quote inside an unquoted field (line 6)' } });
      expect(rows.map((r) => [r.row, r.employee_no, r.id === '' ? 'no id' : 'id'])).toEqual([
        ['1', 'E-1', 'id'],
        ['2', 'E-2', 'id'],
        ['3', 'E-3', 'id'],
        ['4', 'E-4', 'id'],
        ['5', '', 'no id'],
      ]);
      expect(rows[4].error).toBe('Reading stopped at row 5: a quote inside an unquoted field (line 6); this row and the rest of the file were not scored');
    });

    it('in row 1: the header is read, and reading stops at row 1 (not "the header row cannot be read")', async () => {
      // Arrange
      const lines = await csvLines(3);
      lines[1] = lines[1].replace('E-1', 'E"1');
      const service = await serviceWith(runner, ledger);
      // Act
      const { summary, rows } = await scoreText(service, Buffer.from(lines.join('\n') + '\n'));
      // Assert
      expect(summary).toEqual({ rows: 0, stored: 0, replayed: 0, rejected: 0, stoppedAt: { row: 1, reason: 'a quote inside an unquoted field (line 2)' } });
      expect(rows).toHaveLength(1);
      expect(ledger.transactions).toBe(0);
    });

    it('an unclosed quote in row 3: rows 1-2 stored, reading stops at row 3 naming the line it starts on', async () => {
      // Arrange
      const lines = await csvLines(6);
      lines[3] = lines[3].replace('E-3', '"E-3');
      const service = await serviceWith(runner, ledger);
      // Act
      const { summary } = await scoreText(service, Buffer.from(lines.join('\n') + '\n'));
      // Assert
      expect(summary).toMatchObject({ rows: 2, stored: 2, stoppedAt: { row: 3, reason: 'a quoted field is not closed (in the record starting on line 4)' } });
    });
  });

  describe('invalid UTF-8', () => {
    /** The file with one byte of data row `row`'s employee number replaced by Latin-1 é (0xE9), and that byte's offset. */
    const latin1In = async (row: number, bom = false) => {
      const lines = await csvLines(4);
      const text = lines.join('\n') + '\n';
      const offset = (bom ? 3 : 0) + Buffer.byteLength(lines.slice(0, row).join('\n') + '\n') + 'E-'.length;
      const bytes = Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text)]);
      bytes[offset] = 0xe9;
      return { bytes, offset };
    };

    it.each([
      ['without a BOM, in one piece', false, Infinity],
      ['after a BOM, in pieces of 2 bytes', true, 2],
    ])('in a data row is that row\'s error, naming the byte offset in the file; the other rows are stored (%s)', async (_, bom, piece) => {
      // Arrange: row 2 is E-<0xE9>... where a Windows-1252 file would have é
      const { bytes, offset } = await latin1In(2, bom);
      const service = await serviceWith(runner, ledger);
      // Act
      const { summary, rows } = await scoreText(service, bytes, piece);
      // Assert
      expect(summary).toEqual({ rows: 4, stored: 3, replayed: 0, rejected: 1 });
      expect(rows[1]).toMatchObject({ row: '2', id: '', error: `This row is not valid UTF-8 (byte offset ${offset} of the file); send the file as UTF-8` });
      expect(bytes[offset]).toBe(0xe9);
      expect([rows[0].id, rows[2].id, rows[3].id].every((id) => id !== '')).toBe(true);
    });

    it('in the header is a 400 naming the byte offset, before anything is stored', async () => {
      // Arrange
      const lines = await csvLines(2);
      const bytes = Buffer.from(lines.join('\n') + '\n');
      bytes[4] = 0xff; // inside "employee_no"
      const service = await serviceWith(runner, ledger);
      // Act
      const scoring = scoreText(service, bytes);
      // Assert
      await expect(scoring).rejects.toThrow(FeatureValidationError);
      await expect(scoring).rejects.toThrow('The header row is not valid UTF-8 (byte offset 4)');
      expect(ledger.transactions).toBe(0);
    });
  });

  it('stores row r under <key>#row:r, outside the keys a client may send, and counts a resent row as replayed, not stored', async () => {
    // Arrange
    const service = await serviceWith(runner, ledger);
    const lines = await csvLines(12);
    const file = Buffer.from(lines.join('\n') + '\n');
    // Act
    const first = await scoreText(service, file, Infinity, 'file-key-1');
    const again = await scoreText(service, file, Infinity, 'file-key-1');
    // Assert
    expect(ledger.keys).toEqual(Array.from({ length: 12 }, (_, i) => `file-key-1#row:${i + 1}`));
    expect(first.summary).toEqual({ rows: 12, stored: 12, replayed: 0, rejected: 0 });
    expect(again.summary).toEqual({ rows: 12, stored: 0, replayed: 12, rejected: 0 });
    expect(again.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
  });

  it('formula-escapes the cells it writes: a pass-through or category cell starting with = + - @ is text, a negative number stays a number', async () => {
    // Arrange: row 1's employee number is a formula, row 2's a negative number, row 3's poste a formula (unknown category, still scored)
    const lines = await csvLines(3);
    lines[1] = lines[1].replace('E-1', '"=HYPERLINK(""http://x"",""y"")"');
    lines[2] = lines[2].replace('E-2', '-42');
    const poste = lines[0].split(',').indexOf('poste');
    const cells = lines[3].split(',');
    cells[poste] = '@SUM(A1:A2)';
    lines[3] = cells.join(',');
    const service = await serviceWith(runner, ledger);
    // Act
    const { rows, text } = await scoreText(service, Buffer.from(lines.join('\n') + '\n'));
    // Assert: the raw text has the escaped cells, never the live ones
    expect(text).toContain(`"'=HYPERLINK(""http://x"",""y"")",`);
    expect(text).not.toMatch(/(^|,)"?=HYPERLINK/m);
    expect(rows[0].employee_no).toBe(`'=HYPERLINK("http://x","y")`);
    expect(rows[1].employee_no).toBe('-42');
    expect(rows[2].poste).toBe("'@SUM(A1:A2)");
    expect(text).not.toMatch(/(^|,)@SUM/m);
  });
});
