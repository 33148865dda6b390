import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..');
const WORKFLOW = join(ROOT, '.github/workflows/ci.yml');
const VALIDATOR = join(ROOT, 'node_modules/.bin/action-validator');

/** The commands of the README's quick start (its first bash block), without their comments. */
function quickStartCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /## Quick start[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no bash block under "## Quick start"');
  return block[1]
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** Every shell line the workflow's steps run. */
function workflowLines(): string[] {
  const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as { jobs: Record<string, { steps: { run?: string }[] }> };
  return Object.values(workflow.jobs).flatMap((job) =>
    job.steps.flatMap((step) => (step.run ?? '').split('\n').map((line) => line.trim())),
  );
}

describe('.github/workflows/ci.yml', () => {
  it('is a valid GitHub Actions workflow (action-validator)', () => {
    const result = spawnSync(VALIDATOR, [WORKFLOW], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('runs the README quick start\'s install, test and fleet commands, as .ci/run does', () => {
    const commands = quickStartCommands().filter((command) => command !== 'npm start');
    expect(commands).toEqual(['npm install', 'npm test', 'npm run fleet']);
    const lines = workflowLines();
    const ciRun = readFileSync(join(ROOT, '.ci/run'), 'utf8').split('\n').map((line) => line.trim());
    for (const command of commands) {
      expect(lines.some((line) => line === command || line.startsWith(`${command} `))).toBe(true);
      expect(ciRun.some((line) => line === command || line.startsWith(`${command} `))).toBe(true);
    }
  });

  it('runs Node.js from .nvmrc and the lower bound of engines', () => {
    const workflow = readFileSync(WORKFLOW, 'utf8');
    const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const lowest = /^>=(\d+)/.exec(engines)![1];
    expect(readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim()).toBe('24');
    expect(workflow).toContain('node-version-file: .nvmrc');
    expect(workflow).toContain(`node-version: ${lowest}`);
  });
});

describe('install policy', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    allowScripts: Record<string, boolean>;
    engines: { npm?: string };
  };

  it("keeps onnxruntime-node's CUDA download from running: denied in allowScripts, and an npm that ignores allowScripts refused", () => {
    // Offline, that script fails the install; the CPU build it would complete ships in the package.
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
    expect(pkg.engines.npm).toBe('>=11.18');
    const npmrc = readFileSync(join(ROOT, '.npmrc'), 'utf8').split('\n').map((line) => line.trim());
    expect(npmrc).toContain('engine-strict=true');
  });

  it('leaves no installed package with install scripts not covered by allowScripts', () => {
    const result = spawnSync('npm', ['install-scripts', 'ls'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('No packages with unreviewed install scripts.');
  });
});
