import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { personalDataPatterns } from './log-privacy';

/**
 * The e2e run's last check: no line that any app of the run logged, at any level, holds a feature
 * value (a sentinel the tests send, or a feature name as a JSON key). Fails the run otherwise.
 */
export default async function checkE2eLogs(): Promise<void> {
  const file = process.env.LOG_FILE;
  if (!file) throw new Error('LOG_FILE is not set: e2e-global-setup.ts did not run');
  // The e2e and e2e-serial projects share the file: the first teardown of the run checks it.
  if (process.env.TEST_E2E_LOGS_CHECKED === file) return;
  process.env.TEST_E2E_LOGS_CHECKED = file;
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  if (lines.length === 0) throw new Error(`No log line was captured in ${file}: the log privacy check cannot be made`);
  const patterns = personalDataPatterns();
  const offending = lines.filter((line) => patterns.some((pattern) => pattern.test(line)));
  if (offending.length > 0) {
    const shown = offending.slice(0, 3).map((line) => `  ${line.slice(0, 400)}`).join('\n');
    throw new Error(`${offending.length} of ${lines.length} log lines of the e2e run hold feature values (kept in ${file}):\n${shown}`);
  }
  process.stdout.write(`\nLog privacy: ${lines.length} log lines of the e2e run (levels trace to fatal) checked, none holds a feature value\n`);
  rmSync(dirname(file), { recursive: true, force: true });
}
