import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { narrowingBanner } from './test-settings';

/** Where the runs' files of expected log lines are kept (the latest KEPT_RUNS of them). */
export const RUN_LOGS_DIR = join(tmpdir(), 'attrition-test-logs');
const KEPT_RUNS = 10;

/**
 * The set-up every project of a jest run shares, made once per run (the first project's global
 * set-up; the others find TEST_RUN_DIR set). Jest workers inherit the variables it sets.
 *
 * - TEST_RUN_DIR: a folder for the run (the once-per-run build's marker, see child-app.ts),
 *   removed at the run's end by run-reporter.js.
 * - TEST_QUIET_LOG_FILE: the file that takes the error and warning lines the tests provoke
 *   (quiet-logs.ts, app.ts), instead of the terminal; run-reporter.js names it at the end.
 * - TEST_NARROWED: the banner of a narrowed run (test-settings.ts), printed now and again at the end.
 */
export default async function runSetup(): Promise<void> {
  if (process.env.TEST_RUN_DIR) return;
  process.env.TEST_RUN_DIR = mkdtempSync(join(tmpdir(), 'attrition-test-run-'));
  mkdirSync(RUN_LOGS_DIR, { recursive: true });
  const old = readdirSync(RUN_LOGS_DIR).filter((name) => name.endsWith('.log')).sort().slice(0, -(KEPT_RUNS - 1));
  for (const name of old) rmSync(join(RUN_LOGS_DIR, name), { force: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(RUN_LOGS_DIR, `${stamp}-${process.pid}.log`);
  writeFileSync(file, `# The error and warning lines logged while the tests of jest run ${process.pid} (${process.cwd()}) provoked faults\n`);
  process.env.TEST_QUIET_LOG_FILE = file;
  const banner = narrowingBanner();
  process.env.TEST_NARROWED = banner;
  if (banner) process.stderr.write(banner);
}
