import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const VALIDATOR = join(ROOT, 'scripts/deploy/k8s-validate.mjs');
const KUSTOMIZATIONS = ['base', 'overlays/production', 'overlays/production-cnpg'];

/** Runs the validator on a copy (or the original) of deploy/k8s. */
function validate(k8sDir: string) {
  const dirs = KUSTOMIZATIONS.map((d) => join(k8sDir, d));
  const result = spawnSync('node', [VALIDATOR, ...dirs, '--files', join(k8sDir, 'base/secret.example.yaml')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A copy of deploy/k8s with one file edited. */
function brokenCopy(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'attrition-k8s-'));
  cpSync(join(ROOT, 'deploy/k8s'), dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(path, after);
  return dir;
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  const copies: string[] = [];
  afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  beforeAll(() => {
    // kubectl renders the kustomizations (.ci/run installs Debian's kubernetes-client when it is missing).
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  });

  it('renders every kustomization and validates each object against the Kubernetes schemas', () => {
    const { status, output } = validate(join(ROOT, 'deploy/k8s'));
    expect(output).toContain('overlays/production: 7 objects');
    expect(output).toContain('Cluster');
    expect(status).toBe(0);
  });

  const breakages: [string, string, (text: string) => string, RegExp][] = [
    [
      'a probe on the wrong path',
      'base/deployment.yaml',
      (t) => t.replace('path: /health/ready', 'path: /healthz'),
      /readinessProbe\.httpGet\.path must be \/health\/ready/,
    ],
    [
      'a container without its required name',
      'base/deployment.yaml',
      (t) => t.replace('        - name: api\n          image:', '        - image:'),
      /containers\/0 must have required property name/,
    ],
    [
      'a Service port of the wrong type',
      'base/service.yaml',
      (t) => t.replace('port: 80', 'port: eighty'),
      /ports\/0\/port must be integer/,
    ],
    [
      'a grace period shorter than the drain',
      'base/deployment.yaml',
      (t) => t.replace('terminationGracePeriodSeconds: 30', 'terminationGracePeriodSeconds: 12'),
      /terminationGracePeriodSeconds \(12\) must exceed preStop \(5\) \+ SHUTDOWN_TIMEOUT_MS \(10 s\)/,
    ],
    [
      'no preStop sleep',
      'base/deployment.yaml',
      (t) => t.replace(/ {10}lifecycle:\n(.*\n){4} {16}command: \["sleep", "5"\]\n/, ''),
      /lifecycle\.preStop must sleep/,
    ],
    [
      'a CloudNativePG Cluster without instances',
      'overlays/production-cnpg/postgres-cluster.yaml',
      (t) => t.replace('instances: 3', 'instances: "three"'),
      /spec\.instances must be an integer/,
    ],
    [
      'a kustomization pointing at a missing file',
      'base/kustomization.yaml',
      (t) => t.replace('- pdb.yaml', '- pdb-missing.yaml'),
      /kubectl kustomize failed/,
    ],
  ];

  it.each(breakages)('fails on %s', (_name, file, edit, message) => {
    const dir = brokenCopy(file, edit);
    copies.push(dir);
    const { status, output } = validate(dir);
    expect(output).toMatch(message);
    expect(status).toBe(1);
  });
});
