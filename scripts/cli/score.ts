/**
 * npm run score -- in.csv [out.csv] [options]: scores a CSV file offline (USAGE below, `--help`).
 *
 * Same modules as POST /predict/csv (validation, model, database: DATABASE_URL, or the embedded
 * SQLite file at SQLITE_PATH / data/attrition.sqlite), in an application context without an HTTP
 * server. The scored CSV goes to out.csv or stdout; everything else (logs, progress, summary) to
 * stderr. SCORE_PROGRESS_INTERVAL_MS overrides the progress line's 1 s interval, for tests.
 */
import 'reflect-metadata';
import { createReadStream, createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { CsvScoringService } from '@app/prediction';
import { FeatureValidationError } from '@app/validation';
import { ScoringModule } from '../../apps/api/src/scoring.module';
import { standaloneLogger } from '../../apps/api/src/logging/logging';
import { ProgressLine, ScoredCsvCounter } from './score-progress';

const USAGE = `Usage: npm run score -- in.csv [out.csv] [options]
       npm run -s score -- in.csv > out.csv    (-s: without it npm prints its banner on stdout)

Scores a CSV file (a header naming the 27 features, one employee per row; in.csv \`-\` is stdin)
through the same validation, model and database as POST /predict/csv, without an HTTP server,
and writes it back with row, id, input_id, probability, prediction and error appended, to
out.csv or stdout. Database: DATABASE_URL, else the embedded file at SQLITE_PATH
(default data/attrition.sqlite).

Options:
  --start-row N            first data row to score (1-based); earlier rows are skipped
  --idempotency-key KEY    row r is stored under KEY:r, so a second run stores nothing twice
  -q, --quiet              nothing on stderr but errors: no progress, summary or log line
  -h, --help               this text

On stderr, unless --quiet: a progress line at most once a second (rows, rows/s, errors), then
a summary (rows, stored, rejected).

Exit codes:
  0  the file was read to its end (rows with an error are answered in the error column)
  1  anything else failed (e.g. the database is unavailable)
  2  unusable command line or file (header problem, CSV syntax error: rows before it are stored)
`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        'start-row': { type: 'string' },
        'idempotency-key': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [inputPath, outputPath] = positionals;
  if (!inputPath || positionals.length > 2) {
    process.stderr.write(USAGE);
    return 2;
  }
  const quiet = values.quiet === true;
  // Read by the logger and the configuration below: errors only (a warning such as the HTTP
  // server's ADMIN_API_KEYS notice says nothing about this file).
  if (quiet) process.env.LOG_LEVEL = 'error';
  const startRow = values['start-row'] === undefined ? undefined : Number(values['start-row']);
  if (startRow !== undefined && !(Number.isInteger(startRow) && startRow >= 1)) {
    process.stderr.write('--start-row must be a positive integer\n');
    return 2;
  }
  const app = await NestFactory.createApplicationContext(ScoringModule, {
    // JSON log lines on stderr: stdout may be the scored file.
    logger: standaloneLogger(2),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  const destination = outputPath ? createWriteStream(outputPath) : process.stdout;
  let output: Writable = destination;
  let copied: Promise<void> = Promise.resolve();
  if (!quiet) {
    const interval = Number(process.env.SCORE_PROGRESS_INTERVAL_MS ?? 1000);
    const progress = new ProgressLine((line) => process.stderr.write(line), undefined, interval);
    const counter = new ScoredCsvCounter((rows, errors) => progress.update(rows, errors));
    // The destination closing early (stdout's reader gone) destroys the counter, which the
    // scoring service sees as its output closed: it stops storing.
    copied = pipeline(counter, destination);
    copied.catch(() => undefined);
    output = counter;
  }
  try {
    const summary = await app.get(CsvScoringService).score({
      input: inputPath === '-' ? process.stdin : createReadStream(inputPath),
      output,
      idempotencyKey: values['idempotency-key'],
      startRow,
    });
    // Everything written has reached the file or stdout.
    await copied;
    if (!quiet) {
      process.stderr.write(
        `${summary.rows} rows: ${summary.stored} stored, ${summary.rejected} rejected` +
        `${summary.replayed > 0 ? `, ${summary.replayed} replayed (stored before under the same key)` : ''}` +
          `${summary.stoppedAt ? `; stopped at row ${summary.stoppedAt.row}: ${summary.stoppedAt.reason}` : ''}\n`,
      );
    }
    return summary.stoppedAt ? 2 : 0;
  } catch (error) {
    if (error instanceof FeatureValidationError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`Scoring failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    if (output !== destination && !output.writableFinished) output.destroy();
    await app.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    process.stderr.write(`Start-up failed: ${error.message}\n`);
    process.exitCode = 1;
  },
);
