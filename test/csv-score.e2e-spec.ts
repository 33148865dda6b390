import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { generateCsv } from '../scripts/bench/csv-generate';
import { ProgressLine, ScoredCsvCounter } from '../scripts/cli/score-progress';

const ROOT = join(__dirname, '..');

/** A progress line of the score command. */
const PROGRESS = /^(\d+) rows, (\d+) rows\/s, (\d+) errors$/gm;

/**
 * `npm run -s score -- ...args` with the embedded database at `sqlitePath` and `extraEnv` (a
 * variable set to undefined is removed): exit code, stdout, stderr.
 */
function score(
  sqlitePath: string,
  args: string[],
  extraEnv: Record<string, string | undefined> = { LOG_LEVEL: 'warn' },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SQLITE_PATH: sqlitePath, ...extraEnv };
  delete env.DATABASE_URL;
  for (const [name, value] of Object.entries(extraEnv)) if (value === undefined) delete env[name];
  const child = spawn('npm', ['run', '-s', 'score', '--', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function storedCount(sqlitePath: string): number {
  const db = new Database(sqlitePath, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM model_outputs').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('npm run score (offline, embedded database)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'attrition-score-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scores a file to stdout (logs and progress on stderr) and stores every valid row in the configured database', async () => {
    // Arrange: 2,500 rows, one invalid in 50; a progress line allowed every 1 ms instead of every second
    const input = join(dir, 'in.csv');
    await pipeline(generateCsv(2500, { invalidEvery: 50 }), createWriteStream(input));
    const sqlitePath = join(dir, 'scored.sqlite');
    // Act
    const { code, stdout, stderr } = await score(sqlitePath, [input], { LOG_LEVEL: 'warn', SCORE_PROGRESS_INTERVAL_MS: '1' });
    // Assert
    expect(code).toBe(0);
    const rows = parse(stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2500);
    expect(rows[0]).toMatchObject({ employee_no: 'E-1', row: '1', error: '' });
    expect(rows[49]).toMatchObject({ row: '50', id: '', error: 'Invalid request: age must not be greater than 70' });
    expect(rows.filter((r) => r.error === '').every((r) => Number(r.probability) >= 0 && r.id !== '')).toBe(true);
    expect(stderr).toContain('2500 rows: 2450 stored, 50 rejected');
    expect(storedCount(sqlitePath)).toBe(2450);
    // Progress: on stderr only, counting the rows written so far and their errors (every 50th row)
    const progress = [...stderr.matchAll(PROGRESS)].map(([, rows, , errors]) => [Number(rows), Number(errors)]);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.filter(([rows, errors]) => rows < 1 || rows > 2500 || errors !== Math.floor(rows / 50))).toEqual([]);
    expect(stdout).not.toMatch(/rows\/s/);
  }, 300_000);

  it('--quiet: a clean file scored with nothing at all on stderr, not even the logs of the default level', async () => {
    // Arrange: no invalid row; LOG_LEVEL left to its default; progress allowed every 1 ms
    const input = join(dir, 'clean.csv');
    await pipeline(generateCsv(300), createWriteStream(input));
    const sqlitePath = join(dir, 'quiet.sqlite');
    // Act
    const { code, stdout, stderr } = await score(sqlitePath, ['--quiet', input], { LOG_LEVEL: undefined, SCORE_PROGRESS_INTERVAL_MS: '1' });
    // Assert
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(parse(stdout, { columns: true })).toHaveLength(300);
    expect(storedCount(sqlitePath)).toBe(300);
  }, 300_000);

  it('--help: prints the usage, options and exit codes on stdout and exits 0, touching no database', async () => {
    const sqlitePath = join(dir, 'help.sqlite');
    const { code, stdout, stderr } = await score(sqlitePath, ['--help']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Usage: npm run score -- in\.csv \[out\.csv\] \[options\]/);
    for (const text of ['--start-row N', '--idempotency-key KEY', '--quiet', '--help', 'Exit codes:', '  0 ', '  1 ', '  2 ']) {
      expect(stdout).toContain(text);
    }
    expect(existsSync(sqlitePath)).toBe(false);
  }, 300_000);

  it('refuses an unknown option with the usage on stderr and exit code 2', async () => {
    const { code, stdout, stderr } = await score(join(dir, 'unknown.sqlite'), ['--verbose', 'in.csv']);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain("Unknown option '--verbose'");
    expect(stderr).toContain('Usage: npm run score');
  }, 300_000);

  it('writes formulas as text (a leading quote), negative numbers as numbers, and a row that is not UTF-8 as that row\'s error', async () => {
    // Arrange: 3 rows; row 1's employee number is a formula, row 2's a negative number, row 3's has a Latin-1 byte
    const text = await new Promise<string>((resolve) => {
      let all = '';
      generateCsv(3).on('data', (d: Buffer | string) => (all += d)).on('end', () => resolve(all));
    });
    const lines = text.trimEnd().split('\n');
    lines[1] = lines[1].replace('E-1', '"=HYPERLINK(""http://x"",""y"")"');
    lines[2] = lines[2].replace('E-2', '-42');
    const file = Buffer.from(lines.join('\n') + '\n');
    const offset = file.indexOf('E-3') + 2;
    file[offset] = 0xe9;
    const input = join(dir, 'hostile.csv');
    writeFileSync(input, file);
    const sqlitePath = join(dir, 'hostile.sqlite');
    // Act
    const { code, stdout } = await score(sqlitePath, [input]);
    // Assert
    expect(code).toBe(0);
    expect(stdout).toContain(`"'=HYPERLINK(""http://x"",""y"")",`);
    expect(stdout).not.toMatch(/^"?=/m);
    const rows = parse(stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.employee_no.slice(0, 3))).toEqual(["'=H", '-42', 'E-\uFFFD']);
    expect(rows.map((r) => r.error)).toEqual(['', '', `This row is not valid UTF-8 (byte offset ${offset} of the file); send the file as UTF-8`]);
    expect(storedCount(sqlitePath)).toBe(2);
  }, 300_000);

  it('refuses a file without the feature columns with exit code 2, storing nothing', async () => {
    const input = join(dir, 'bad.csv');
    writeFileSync(input, 'name,salary\nBob,3\n');
    const sqlitePath = join(dir, 'bad.sqlite');
    const { code, stdout, stderr } = await score(sqlitePath, [input]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('must be a header naming the 27 feature columns');
    expect(storedCount(sqlitePath)).toBe(0);
  }, 300_000);
});

describe('score progress', () => {
  it('counts the data rows of the scored CSV and those with an error, across chunks and quoted line breaks', async () => {
    // Arrange: a header, a stored row, a row whose passed-through cell holds a quoted line break,
    // comma and quote, two rows with an error (one quoted) and a stored row, split mid-record
    const csv =
      'name,age,row,id,input_id,probability,prediction,error\n' +
      'Ann,44,1,7,7,0.5,1,\n' +
      '"Bob\nthe ""2nd"", jr",30,2,8,8,0.1,0,\n' +
      'Cy,x,3,,,,,Invalid request: age must be an integer\r\n' +
      'Di,99,4,,,,,"Invalid request: a, b"\n' +
      'Ed,50,5,9,9,0.2,0,\n';
    const seen: [number, number][] = [];
    const counter = new ScoredCsvCounter((rows, errors) => seen.push([rows, errors]));
    let out = '';
    counter.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // Act
    for (const part of [csv.slice(0, 60), csv.slice(60, 75), csv.slice(75)]) counter.write(part);
    counter.end();
    await new Promise((resolve) => counter.on('end', resolve));
    // Assert: the CSV passes unchanged; 5 rows, 2 errors
    expect(out).toBe(csv);
    expect([counter.rows, counter.errors]).toEqual([5, 2]);
    expect(seen[seen.length - 1]).toEqual([5, 2]);
  });

  it('writes at most one line per interval, the first after one interval, with rows/s since the start', () => {
    // Arrange: a clock the test moves
    let now = 5_000;
    const lines: string[] = [];
    const progress = new ProgressLine((line) => lines.push(line), () => now, 1000);
    // Act
    now += 999;
    progress.update(1000, 1);
    now += 1; // 1 s after the start
    progress.update(2000, 2);
    now += 500;
    progress.update(3000, 3);
    now += 499;
    progress.update(4000, 4);
    now += 1; // 1 s after the last line
    progress.update(6000, 6);
    // Assert
    expect(lines).toEqual(['2000 rows, 2000 rows/s, 2 errors\n', '6000 rows, 3000 rows/s, 6 errors\n']);
  });
});
