/**
 * Writes a CSV file of employees for POST /predict/csv and npm run score: the 1,470 training rows
 * over and over, each with a perturbed monthly income (deterministic), an `employee_no` column of
 * the client's own before the features, and optionally an invalid row every N rows.
 *
 *   npm run -s bench:csv-generate -- ROWS [--invalid-every N] > file.csv
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { stringify } from 'csv-stringify/sync';
import { exitOnHelp } from './bench-support';

type Row = Record<string, number | string>;

const TRAINING = join(__dirname, '..', '..', 'models', 'training', 'data', 'attrition-features.json');

export interface CsvGenerateOptions {
  /** Every Nth row (1-based: rows N, 2N, ...) gets an age of 200, which validation rejects. */
  invalidEvery?: number;
  /** Rows per string the stream yields. */
  rowsPerPiece?: number;
  /** Adds a `note` column of this many characters to every row (the output passes it through). */
  padding?: number;
}

/** The training rows, as a client sends them. */
export function trainingRows(): Row[] {
  return JSON.parse(readFileSync(TRAINING, 'utf8')) as Row[];
}

/** Data row `row` (1-based) of the generated file, as the features a JSON client would send. */
export function generatedFeatures(training: Row[], row: number, invalidEvery?: number): Row {
  const base = training[(row - 1) % training.length];
  // A small deterministic wobble (+-5 %) so rows differ from one lap of the training data to the next.
  const wobble = 1 + (((row * 2654435761) % 1000) / 1000 - 0.5) / 10;
  const features: Row = { ...base, revenu_mensuel: Math.max(1, Math.round(Number(base.revenu_mensuel) * wobble)) };
  if (invalidEvery && row % invalidEvery === 0) features.age = 200;
  return features;
}

/** The file as a stream of text pieces: constant memory whatever `rows`. */
export function generateCsv(rows: number, options: CsvGenerateOptions = {}): Readable {
  const training = trainingRows();
  const names = Object.keys(training[0]);
  const piece = options.rowsPerPiece ?? 500;
  const note = options.padding ? ['x'.repeat(options.padding)] : [];
  function* pieces() {
    yield stringify([['employee_no', ...names, ...(options.padding ? ['note'] : [])]]);
    for (let start = 1; start <= rows; start += piece) {
      const batch: (string | number)[][] = [];
      for (let row = start; row < start + piece && row <= rows; row++) {
        const features = generatedFeatures(training, row, options.invalidEvery);
        batch.push([`E-${row}`, ...names.map((n) => features[n]), ...note]);
      }
      yield stringify(batch);
    }
  }
  return Readable.from(pieces(), { objectMode: false });
}

if (require.main === module) {
  exitOnHelp(__filename);
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'invalid-every': { type: 'string' } } });
  const rows = Number(positionals[0]);
  if (!Number.isInteger(rows) || rows < 0) {
    process.stderr.write('Usage: npm run -s bench:csv-generate -- ROWS [--invalid-every N] > file.csv\n');
    process.exit(2);
  }
  const invalidEvery = values['invalid-every'] === undefined ? undefined : Number(values['invalid-every']);
  generateCsv(rows, { invalidEvery }).pipe(process.stdout);
}
