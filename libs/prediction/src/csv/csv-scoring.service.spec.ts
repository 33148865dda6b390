import { PassThrough, Writable } from 'node:stream';
import { Test } from '@nestjs/testing';
import { parse } from 'csv-parse/sync';
import { AttritionScore, FeatureRow, ModelManifest, ModelRunner } from '@app/inference';
import { NewPredictionRecord, PredictionLogRepository, RecordOutcome } from '@app/persistence';
import { FeatureMapper, RequestValidator } from '@app/validation';
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
      return entries.map((entry) => {
        const id = this.nextId++;
        return { stored: true, replayed: false, record: { ...entry, id, inputId: id, createdAt: new Date() } };
      });
    } finally {
      this.inFlight--;
    }
  };
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
    expect(summary).toEqual({ rows: 95, stored: 95, rejected: 0 });
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
});
