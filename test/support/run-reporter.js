// The run's last lines (a jest reporter, after the default one): where the error and warning lines
// the tests provoked went (run-setup.ts, quiet-logs.ts), and, for a narrowed run, what it left out.
// It also removes the run's folder (TEST_RUN_DIR). Plain JavaScript: jest loads reporters untransformed.
const { existsSync, readFileSync, rmSync } = require('node:fs');

class RunReporter {
  onRunComplete() {
    const file = process.env.TEST_QUIET_LOG_FILE;
    const lines = file && existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => /^\d{4}-|^\{/.test(line)).length : 0;
    if (lines > 0) {
      process.stderr.write(
        `\nExpected log lines: ${lines} error/warning lines logged while the tests provoked faults were written to\n  ${file}\n` +
          '(not the terminal; TEST_LOG_LEVEL=debug prints them instead)\n',
      );
    }
    if (process.env.TEST_NARROWED) process.stderr.write(process.env.TEST_NARROWED);
    if (process.env.TEST_RUN_DIR) rmSync(process.env.TEST_RUN_DIR, { recursive: true, force: true });
  }
}

module.exports = RunReporter;
