import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** Runs apps/api/src/main.ts as `npm start` would, but from source, with the given env. */
function start(env: Record<string, string>) {
  return spawnSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'],
    { cwd: ROOT, env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 60_000 },
  );
}

describe('start-up failures stop the process with a clear message and a non-zero exit', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'attrition-start-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing model names the path it looked at', () => {
    const result = start({ MODEL_DIR: join(dir, 'no-model-here'), SQLITE_PATH: join(dir, 'a.sqlite') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Start-up failed: Cannot read the model manifest ${join(dir, 'no-model-here', 'contract.json')}`);
  });

  it('an invalid environment names the variable', () => {
    const result = start({ DATABASE_URL: 'mysql://nope', SQLITE_PATH: join(dir, 'b.sqlite') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL must start with postgres:// or postgresql://');
  });
});
