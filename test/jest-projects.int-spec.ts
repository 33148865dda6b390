import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

interface Project {
  displayName: string;
  testMatch: string[];
  testPathIgnorePatterns?: string[];
}

/**
 * `npm test` runs the e2e project in parallel jest workers and the e2e-serial project (the
 * timing-sensitive suites and those of the built app) alone afterwards: package.json lists those
 * files twice, as e2e's ignore patterns and as e2e-serial's files. The lists must agree, or a file
 * would run twice or never.
 */
describe('the jest projects of package.json', () => {
  const projects = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { jest: { projects: Project[] } }).jest.projects;
  const project = (name: string) => projects.find((p) => p.displayName === name)!;

  it('run every e2e file exactly once: in e2e, or in e2e-serial', () => {
    // Arrange
    const files = readdirSync(join(ROOT, 'test')).filter((name) => name.endsWith('.e2e-spec.ts'));
    const serial = project('e2e-serial').testMatch.map((pattern) => pattern.replace('<rootDir>/test/', ''));
    const ignored = (name: string) => (project('e2e').testPathIgnorePatterns ?? []).some((pattern) => new RegExp(pattern).test(`/test/${name}`));
    // Assert
    expect(serial.every((name) => existsSync(join(ROOT, 'test', name)))).toBe(true);
    expect(files.filter(ignored).sort()).toEqual([...serial].sort());
    expect(project('e2e').testMatch).toEqual(['<rootDir>/test/**/*.e2e-spec.ts']);
  });
});
