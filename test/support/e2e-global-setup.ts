import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import globalSetup from './global-setup';

/**
 * The e2e run's set-up: PostgreSQL's availability, and one file that receives every log line of
 * every app the run starts, in-process or as a child process, at every level (LOG_FILE with
 * LOG_FILE_LEVEL=trace, inherited through the environment). e2e-log-check.ts reads it at the end.
 * The lines at warn and above that in-process apps would print go to the run's file of expected
 * log lines instead (app.ts).
 */
export default async function e2eGlobalSetup(): Promise<void> {
  await globalSetup();
  // The e2e and e2e-serial projects share one file (and one check) when they run together.
  if (process.env.LOG_FILE) return;
  process.env.LOG_FILE = join(mkdtempSync(join(tmpdir(), 'attrition-e2e-logs-')), 'e2e.jsonl');
  process.env.LOG_FILE_LEVEL = 'trace';
}
