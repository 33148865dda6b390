/**
 * What a test run covers, read from the environment in this one place. Every knob defaults to the
 * full run, which `npm test` and CI make: nothing is narrowed unless a variable says so. `npm run
 * test:fast` (the inner loop) narrows the run through these variables; a narrowed run says so at
 * its start and its end (global-setup.ts, e2e-log-check.ts), and every suite it skips carries the
 * variable that skipped it in its name.
 *
 * - TEST_ENGINES: `sqlite,postgres` (default) or one of them: the engines the integration and e2e
 *   suites run on.
 * - TEST_BUILDS=off: skip the suites that run `npm run build` and start the built app as a child
 *   process (shutdown, failover, observability).
 * - TEST_BROWSER=off: skip the web console's tests in headless Chromium.
 * - TEST_VOLUME=off: skip the volume tests (the 30,000-row CSV streams, the 100,000-row exports).
 * - TEST_CSV_ROWS (default 30000, a multiple of 1000 from 10000), TEST_EXPORT_ROWS (default 100000,
 *   a multiple of 1000 from 10000): the sizes of those volume tests.
 * - TEST_PROPERTY_RUNS (default 1): a factor on the runs of every fast-check property and sample
 *   (0.1 runs a tenth of them, at least one each).
 */

export type Engine = 'postgres' | 'sqlite';

const ALL_ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

function engines(value: string | undefined): readonly Engine[] {
  if (value === undefined || value.trim() === '') return ALL_ENGINES;
  const named = value.split(',').map((name) => name.trim());
  const unknown = named.filter((name) => !(ALL_ENGINES as readonly string[]).includes(name));
  if (unknown.length > 0 || named.length === 0) {
    throw new Error(`TEST_ENGINES must be a comma-separated list of ${ALL_ENGINES.join(', ')}, not ${JSON.stringify(value)}`);
  }
  return ALL_ENGINES.filter((engine) => named.includes(engine));
}

function onOff(name: string): boolean {
  const value = process.env[name];
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${name} must be on or off, not ${JSON.stringify(value)}`);
}

function rowCount(name: string, ciValue: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return ciValue;
  const rows = Number(value);
  if (!Number.isInteger(rows) || rows < 10_000 || rows % 1000 !== 0) {
    throw new Error(`${name} must be a multiple of 1000 from 10000 (the tests' assertions count whole chunks), not ${JSON.stringify(value)}`);
  }
  return rows;
}

function factor(name: string): number {
  const value = process.env[name];
  if (value === undefined || value === '') return 1;
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(value)}`);
  return scale;
}

export const TEST_SETTINGS = {
  engines: engines(process.env.TEST_ENGINES),
  builds: onOff('TEST_BUILDS'),
  browser: onOff('TEST_BROWSER'),
  volume: onOff('TEST_VOLUME'),
  csvRows: rowCount('TEST_CSV_ROWS', 30_000),
  exportRows: rowCount('TEST_EXPORT_ROWS', 100_000),
  propertyRuns: factor('TEST_PROPERTY_RUNS'),
};

/** `ciRuns` fast-check runs, scaled by TEST_PROPERTY_RUNS (at least 1). */
export function propertyRuns(ciRuns: number): number {
  return Math.max(1, Math.round(ciRuns * TEST_SETTINGS.propertyRuns));
}

/** What this run leaves out or shrinks, one line each; empty for the full run. */
export function narrowings(): string[] {
  const s = TEST_SETTINGS;
  const lines: string[] = [];
  for (const engine of ALL_ENGINES) if (!s.engines.includes(engine)) lines.push(`the ${engine} suites are SKIPPED (TEST_ENGINES=${s.engines.join(',')})`);
  if (!s.builds) lines.push('the suites of the built app (shutdown, failover, observability) are SKIPPED (TEST_BUILDS=off)');
  if (!s.browser) lines.push("the web console's browser tests are SKIPPED (TEST_BROWSER=off)");
  if (!s.volume) lines.push('the volume tests (30,000-row CSV streams, 100,000-row exports) are SKIPPED (TEST_VOLUME=off)');
  if (s.csvRows !== 30_000) lines.push(`the CSV volume tests stream ${s.csvRows} rows, not 30000 (TEST_CSV_ROWS)`);
  if (s.exportRows !== 100_000) lines.push(`the export volume tests stream ${s.exportRows} rows, not 100000 (TEST_EXPORT_ROWS)`);
  if (s.propertyRuns !== 1) lines.push(`the property tests make ${s.propertyRuns} times their runs (TEST_PROPERTY_RUNS)`);
  return lines;
}

/** A loud block naming what the run leaves out, or '' for the full run. */
export function narrowingBanner(): string {
  const lines = narrowings();
  if (lines.length === 0) return '';
  const bar = '!'.repeat(78);
  return `\n${bar}\n!! A NARROWED RUN, not the full suite (npm test runs everything):\n${lines.map((l) => `!!   - ${l}`).join('\n')}\n${bar}\n`;
}

/** `describe` on an engine this run covers (and, for PostgreSQL, reachable); a named skip otherwise. */
export function describeOn(engine: Engine): jest.Describe {
  if (!TEST_SETTINGS.engines.includes(engine)) return skipBecause(`TEST_ENGINES=${TEST_SETTINGS.engines.join(',')}`);
  if (engine === 'postgres' && process.env.TEST_POSTGRES !== 'available') return skipBecause('PostgreSQL unreachable');
  return describe;
}

/**
 * `base` (`describe`, or e.g. describeWithPostgres) when `on`, otherwise a skip whose name says
 * which knob turned it off.
 */
export function describeIf(on: boolean, knob: string, base: jest.Describe = describe): jest.Describe {
  return on ? base : skipBecause(knob);
}

/** `it` when `on`, otherwise a skip whose name says which knob turned it off. */
export function itIf(on: boolean, knob: string): jest.It {
  if (on) return it;
  const skipped = ((name: string, ...rest: unknown[]) => (it.skip as (...a: unknown[]) => void)(`${name} [skipped: ${knob}]`, ...rest)) as unknown as jest.It;
  return Object.assign(skipped, it);
}

function skipBecause(reason: string): jest.Describe {
  const skipped = ((name: string | number | jest.FunctionLike, fn: jest.EmptyFunction) =>
    describe.skip(`${String(name)} [skipped: ${reason}]`, fn)) as jest.Describe;
  return Object.assign(skipped, describe, { each: describe.skip.each, only: describe.skip, skip: describe.skip });
}
