import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..');

/** One `.dockerignore` pattern as a regular expression on context-relative paths. */
function ignorePattern(pattern: string): RegExp {
  const source = pattern
    .replace(/^\/+|\/+$/g, '')
    .split('**')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

const IGNORED = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'))
  .map(ignorePattern);

/** True when Docker leaves `path` (relative to the build context) out of the context. */
function ignored(path: string): boolean {
  const parts = path.split('/');
  return parts.some((_, i) => IGNORED.some((re) => re.test(parts.slice(0, i + 1).join('/'))));
}

/** The `COPY` instructions of the Dockerfile stage whose `FROM` line matches `stage`. */
function copiesOf(stage: (from: string) => boolean): { sources: string[]; dest: string }[] {
  const copies: { sources: string[]; dest: string }[] = [];
  let inStage = false;
  for (const line of readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n')) {
    const from = /^FROM\s+(.*)$/i.exec(line);
    if (from) inStage = stage(from[1]);
    const copy = /^COPY\s+(?!--from)(.*)$/i.exec(line);
    if (inStage && copy) {
      const words = copy[1].trim().split(/\s+/);
      copies.push({ sources: words.slice(0, -1), dest: words[words.length - 1] });
    }
  }
  return copies;
}

/** Copies what the Dockerfile's COPY lines take from the build context, minus `.dockerignore`. */
function copyFromContext(copies: { sources: string[]; dest: string }[], to: string): void {
  for (const { sources, dest } of copies) {
    for (const source of sources) {
      // Docker puts a file copied into a directory (dest ends with / or several sources) under its own name.
      const target = dest.endsWith('/') || sources.length > 1 ? join(to, dest, basename(source)) : join(to, dest);
      if (ignored(source)) continue;
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(ROOT, source), target, {
        recursive: true,
        filter: (path) => !ignored(relative(ROOT, path)),
      });
    }
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The Docker image, without a Docker engine: the build stage's `npm run build` runs on a copy of
 * exactly the files its COPY lines take from the context (after `.dockerignore`), and the built
 * server starts from the runtime stage's layout. `npm ci` is replaced by a link to the installed
 * node_modules, the one step this cannot reproduce.
 */
describe('the Docker image', () => {
  let context: string;

  beforeAll(() => {
    context = mkdtempSync(join(tmpdir(), 'attrition-docker-'));
  });

  afterAll(() => rmSync(context, { recursive: true, force: true }));

  it('builds from the files the Dockerfile copies, with no spec file or test fixture in dist, and serves', async () => {
    // Arrange: the build stage's context.
    const build = join(context, 'build');
    copyFromContext(copiesOf((from) => /\bAS\s+build\b/i.test(from)), build);
    symlinkSync(join(ROOT, 'node_modules'), join(build, 'node_modules'), 'dir');

    // Act: `RUN npm run build`.
    const result = spawnSync('npm', ['run', 'build'], { cwd: build, encoding: 'utf8', timeout: 240_000 });

    // Assert: it compiles, and dist holds the application only.
    expect(result.status === 0 ? 'built' : `${result.stdout}${result.stderr}`).toBe('built');
    const dist = filesUnder(join(build, 'dist'));
    expect(dist).toContain('apps/api/src/main.js');
    expect(dist.filter((file) => /spec\.js|^test\//.test(file))).toEqual([]);

    // Arrange: the runtime stage's layout (dist from the build stage, models from the context).
    const run = join(context, 'run');
    mkdirSync(run);
    cpSync(join(build, 'package.json'), join(run, 'package.json'));
    cpSync(join(build, 'dist'), join(run, 'dist'), { recursive: true });
    copyFromContext(copiesOf((from) => !/\bAS\s+build\b/i.test(from)), run);
    symlinkSync(join(ROOT, 'node_modules'), join(run, 'node_modules'), 'dir');
    mkdirSync(join(run, 'data'));
    expect(existsSync(join(run, 'models/attrition/model.onnx'))).toBe(true);

    // Act: the image's CMD with its ENV.
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1' };
    Object.assign(env, { MODEL_DIR: 'models/attrition', SQLITE_PATH: 'data/attrition.sqlite', LOG_LEVEL: 'warn' });
    delete env.DATABASE_URL;
    const server = spawn(process.execPath, ['dist/apps/api/src/main.js'], { cwd: run, env, stdio: 'ignore' });
    try {
      let status = 0;
      for (let attempt = 0; attempt < 120 && status !== 200 && server.exitCode === null; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        status = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status, () => 0);
      }

      // Assert: the built server is ready on the embedded database.
      expect(status).toBe(200);
    } finally {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      if (server.exitCode === null && server.kill('SIGTERM')) await exited;
    }
  }, 300_000);
});
