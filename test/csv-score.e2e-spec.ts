import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { generateCsv } from '../scripts/bench/csv-generate';

const ROOT = join(__dirname, '..');

/** `npm run -s score -- ...args` with the embedded database at `sqlitePath`: exit code, stdout, stderr. */
function score(sqlitePath: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SQLITE_PATH: sqlitePath, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
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

  it('scores a file to stdout (logs on stderr) and stores every valid row in the configured database', async () => {
    // Arrange: 2,500 rows, one invalid in 50
    const input = join(dir, 'in.csv');
    await pipeline(generateCsv(2500, { invalidEvery: 50 }), createWriteStream(input));
    const sqlitePath = join(dir, 'scored.sqlite');
    // Act
    const { code, stdout, stderr } = await score(sqlitePath, [input]);
    // Assert
    expect(code).toBe(0);
    const rows = parse(stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2500);
    expect(rows[0]).toMatchObject({ employee_no: 'E-1', row: '1', error: '' });
    expect(rows[49]).toMatchObject({ row: '50', id: '', error: 'Invalid request: age must not be greater than 70' });
    expect(rows.filter((r) => r.error === '').every((r) => Number(r.probability) >= 0 && r.id !== '')).toBe(true);
    expect(stderr).toContain('2500 rows: 2450 stored, 50 rejected');
    expect(storedCount(sqlitePath)).toBe(2450);
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
