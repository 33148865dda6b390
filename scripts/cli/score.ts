/**
 * npm run score -- in.csv [out.csv] [--start-row N] [--idempotency-key KEY]     (in.csv `-`: stdin)
 *
 * Scores a CSV file offline, through the same modules as POST /predict/csv (validation, model,
 * database: DATABASE_URL, or the embedded SQLite file at SQLITE_PATH / data/attrition.sqlite), in
 * an application context without an HTTP server. The scored CSV goes to out.csv, or to stdout
 * (then run `npm run -s score ...`: without -s, npm prints its own banner on stdout first). Logs
 * go to stderr. Exit code 0 when the file was read to its end, 2 for an unusable file (header
 * problem, CSV syntax error), 1 for anything else (e.g. the database is unavailable).
 */
import 'reflect-metadata';
import { createReadStream, createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { CsvScoringService } from '@app/prediction';
import { FeatureValidationError } from '@app/validation';
import { ScoringModule } from '../../apps/api/src/scoring.module';
import { standaloneLogger } from '../../apps/api/src/logging/logging';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'start-row': { type: 'string' }, 'idempotency-key': { type: 'string' } },
  });
  const [inputPath, outputPath] = positionals;
  if (!inputPath || positionals.length > 2) {
    process.stderr.write('Usage: npm run score -- in.csv [out.csv] [--start-row N] [--idempotency-key KEY]\n');
    return 2;
  }
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
  try {
    const output = outputPath ? createWriteStream(outputPath) : process.stdout;
    const summary = await app.get(CsvScoringService).score({
      input: inputPath === '-' ? process.stdin : createReadStream(inputPath),
      output,
      idempotencyKey: values['idempotency-key'],
      startRow,
    });
    process.stderr.write(
      `${summary.rows} rows: ${summary.stored} stored, ${summary.rejected} rejected` +
        `${summary.stoppedAt ? `; stopped at row ${summary.stoppedAt.row}: ${summary.stoppedAt.reason}` : ''}\n`,
    );
    return summary.stoppedAt ? 2 : 0;
  } catch (error) {
    if (error instanceof FeatureValidationError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`Scoring failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
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
