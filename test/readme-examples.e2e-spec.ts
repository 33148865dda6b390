import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, ChildApp, startBuiltApp } from './support/child-app';

/**
 * The README's examples, run as a reader would paste them, against a fresh server.
 *
 * Which blocks: a fenced ```bash block whose previous line is an HTML comment starting with
 * `<!-- example` (the rest of the comment is free text). `<!-- example: server -->` marks the block
 * that starts the service: its lines run in the shell first (they make `$KEY`), except its
 * `[VAR=value ...] npm start` line, which the test plays itself: it builds the app once
 * (`npm run build`, as `npm start` does) and starts `dist/apps/api/src/main.js` with the variables
 * that line sets (evaluated in the same shell), on an ephemeral port and a fresh SQLite file.
 * Every other marked block then runs, in README order, in one bash process (variables carry over
 * from block to block, as in a reader's terminal), in an empty working directory, with
 * `localhost:3000` replaced by the server's address.
 *
 * Commands: a block is cut into commands at lines that start outside a quoted string and after a
 * line that does not end with `\`. Each command must exit 0, and each HTTP answer curl receives
 * must be below 400, unless its expected output names another status.
 *
 * Expected output: the `#` comment lines right after a command, when the first one starts with
 * `{` or `[` (optionally after an HTTP status, `# 201 {...}`), are the JSON the command prints; a
 * comment that starts otherwise (`# With the 1,470 training employees...`) introduces an
 * illustration that is not compared. The JSON is compared structurally, with these rules:
 * - `...` in an object: other keys may be present; `{...}` any object; in an array, `...` after
 *   the shown elements: more elements may follow; `[...]` any array; the string `"..."` any string.
 * - Without `...`, an object has exactly the keys shown and an array exactly the elements shown.
 * - A number matches when the actual one, rounded to the decimals shown, equals it (0.7963 matches
 *   0.7963435644965524); whole numbers (ids, counts, statuses) must be equal.
 * - Volatile values: `created_at`, `recorded_at` and `request_id` match any string (times and
 *   request ids differ per run). Ids are compared: on a fresh database they are deterministic, and
 *   later examples (`/predictions/2`, `"input_id": 1`) depend on them.
 */

const ROOT = join(__dirname, '..');
const README = join(ROOT, 'README.md');
const VOLATILE_KEYS = new Set(['created_at', 'recorded_at', 'request_id']);

interface Command {
  /** 1-based README line of the command's first line. */
  line: number;
  text: string;
  /** The expected JSON's text (comment markers removed) and status, when the README shows one. */
  expected?: { status?: number; json: string };
}

interface ExampleBlock {
  line: number;
  kind: 'server' | 'run';
  commands: Command[];
}

/** The README's marked example blocks, each cut into commands with their expected outputs. */
export function readmeExamples(markdown: string): ExampleBlock[] {
  const lines = markdown.split('\n');
  const blocks: ExampleBlock[] = [];
  for (let i = 1; i < lines.length; i++) {
    const marker = /^<!-- example(:\s*(\w+))?.*-->\s*$/.exec(lines[i - 1]);
    if (!marker || lines[i].trim() !== '```bash') continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README.md:${i + 1}: example block never closed`);
    blocks.push({ line: i + 1, kind: marker[2] === 'server' ? 'server' : 'run', commands: splitCommands(lines.slice(i + 1, end), i + 2) });
    i = end;
  }
  return blocks;
}

/** Cuts shell lines into commands (see the file's comment), attaching the comments after each. */
function splitCommands(lines: string[], firstLine: number): Command[] {
  const commands: Command[] = [];
  let open = false; // inside a quoted string or after a trailing backslash
  let quote: string | undefined;
  let comments: string[] = [];
  const closeComments = () => {
    const last = commands[commands.length - 1];
    const head = /^#\s*(?:(\d{3})\s+)?([[{].*)$/.exec(comments[0] ?? '');
    if (last && head) {
      const rest = comments.slice(1).map((c) => c.replace(/^#\s?/, ''));
      last.expected = { status: head[1] ? Number(head[1]) : undefined, json: [head[2], ...rest].join('\n') };
    }
    comments = [];
  };
  lines.forEach((line, index) => {
    if (!open && line.trim().startsWith('#')) {
      comments.push(line.trim());
      return;
    }
    if (!open && line.trim() === '') return;
    if (!open) {
      closeComments();
      commands.push({ line: firstLine + index, text: line });
    } else {
      commands[commands.length - 1].text += `\n${line}`;
    }
    // Scan the line for quotes (bash rules, enough for these examples) and a trailing backslash.
    let escaped = false;
    for (let c = 0; c < line.length; c++) {
      const ch = line[c];
      if (quote === "'") {
        if (ch === "'") quote = undefined;
      } else if (escaped) {
        escaped = false;
      } else if (ch === '\\') {
        escaped = true;
      } else if (quote === '"') {
        if (ch === '"') quote = undefined;
      } else if (ch === "'" || ch === '"') {
        quote = ch;
      } else if (ch === '#' && (c === 0 || /\s/.test(line[c - 1]))) {
        break; // a comment to the end of the line
      }
    }
    open = quote !== undefined || /\\\s*$/.test(line.replace(/\s+#.*$/, ''));
  });
  closeComments();
  return commands;
}

/** An expected value, parsed from the README's JSON with `...` elisions. */
type Expected =
  | { kind: 'object'; entries: [string, Expected][]; more: boolean }
  | { kind: 'array'; items: Expected[]; more: boolean }
  | { kind: 'number'; value: number; decimals: number }
  | { kind: 'any-string' }
  | { kind: 'literal'; value: string | boolean | null };

/** Parses the README's JSON-with-elisions (rules in the file's comment). */
export function parseExpected(text: string): Expected {
  let at = 0;
  const skip = () => {
    while (/\s/.test(text[at] ?? '')) at++;
  };
  const fail = (what: string): never => {
    throw new Error(`Expected output: ${what} at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 30), at + 30))}`);
  };
  const ellipsis = () => {
    skip();
    if (text.startsWith('...', at)) {
      at += 3;
      return true;
    }
    return false;
  };
  const value = (): Expected => {
    skip();
    const ch = text[at];
    if (ch === '{') {
      at++;
      const entries: [string, Expected][] = [];
      let more = false;
      for (;;) {
        skip();
        if (text[at] === '}') break;
        if (ellipsis()) more = true;
        else {
          const key = value();
          if (key.kind !== 'literal' || typeof key.value !== 'string') fail('a key');
          skip();
          if (text[at++] !== ':') fail('":"');
          entries.push([(key as { value: string }).value, value()]);
        }
        skip();
        if (text[at] === ',') at++;
        else if (text[at] !== '}') fail('"," or "}"');
      }
      at++;
      return { kind: 'object', entries, more };
    }
    if (ch === '[') {
      at++;
      const items: Expected[] = [];
      let more = false;
      for (;;) {
        skip();
        if (text[at] === ']') break;
        if (ellipsis()) more = true;
        else items.push(value());
        skip();
        if (text[at] === ',') at++;
        else if (text[at] !== ']') fail('"," or "]"');
      }
      at++;
      return { kind: 'array', items, more };
    }
    if (ch === '"') {
      const match = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(at)) ?? fail('a string');
      at += match[0].length;
      const string = JSON.parse(match[0]) as string;
      return string === '...' ? { kind: 'any-string' } : { kind: 'literal', value: string };
    }
    const number = /^-?\d+(\.(\d+))?([eE][-+]?\d+)?/.exec(text.slice(at));
    if (number) {
      at += number[0].length;
      return { kind: 'number', value: Number(number[0]), decimals: number[3] ? Infinity : (number[2]?.length ?? 0) };
    }
    for (const [word, literal] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return { kind: 'literal', value: literal };
      }
    }
    return fail('a value');
  };
  const parsed = value();
  skip();
  if (at !== text.length) fail('the end');
  return parsed;
}

/** Where `actual` differs from `expected` (rules in the file's comment); empty when it matches. */
export function mismatches(expected: Expected, actual: unknown, path = '$', key = ''): string[] {
  const at = (what: string) => [`${path}: ${what}, got ${JSON.stringify(actual)?.slice(0, 120)}`];
  if (VOLATILE_KEYS.has(key)) return typeof actual === 'string' ? [] : at('a string');
  switch (expected.kind) {
    case 'any-string':
      return typeof actual === 'string' ? [] : at('a string');
    case 'literal':
      return actual === expected.value ? [] : at(JSON.stringify(expected.value));
    case 'number': {
      if (typeof actual !== 'number') return at(`the number ${expected.value}`);
      const shown = Number.isFinite(expected.decimals) ? Number(actual.toFixed(expected.decimals)) : actual;
      return shown === expected.value ? [] : at(`${expected.value}`);
    }
    case 'array': {
      if (!Array.isArray(actual)) return at('an array');
      const problems = expected.items.flatMap((item, i) => (i < actual.length ? mismatches(item, actual[i], `${path}[${i}]`) : at(`element ${i}`)));
      if (!expected.more && actual.length !== expected.items.length) problems.push(...at(`${expected.items.length} elements`));
      return problems;
    }
    case 'object': {
      if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return at('an object');
      const record = actual as Record<string, unknown>;
      const problems = expected.entries.flatMap(([name, value]) =>
        name in record ? mismatches(value, record[name], `${path}.${name}`, name) : [`${path}: no key "${name}"`],
      );
      if (!expected.more) {
        const extra = Object.keys(record).filter((name) => !expected.entries.some(([shown]) => shown === name));
        if (extra.length > 0) problems.push(`${path}: keys the README does not show: ${extra.join(', ')}`);
      }
      return problems;
    }
  }
}

const STEP = '@@README-STEP';
/** curl as the reader's, plus its status on stderr, so that stdout stays what the reader sees. */
const CURL_WITH_STATUS = `curl() { command curl -w '%{stderr}${STEP}-HTTP %{http_code}\\n' "$@"; }`;

function runBash(script: string, cwd: string, env: Record<string, string>): { stdout: string; stderr: string; status: number | null } {
  const file = join(cwd, '.script.sh');
  writeFileSync(file, script);
  const result = spawnSync('bash', [file], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  rmSync(file);
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

describe('the README examples, run against a fresh server', () => {
  const markdown = readFileSync(README, 'utf8');
  const blocks = readmeExamples(markdown);
  let server: ChildApp | undefined;
  let dir: string;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attrition-readme-'));
    buildApp();
    // The server block: its lines in the shell, `npm start` played with the variables it is given.
    const setup = blocks.filter((b) => b.kind === 'server').flatMap((b) => b.commands);
    const start = setup.filter((c) => /(^|\s)npm start\s*(#.*)?$/.test(c.text));
    expect(start).toHaveLength(1);
    const assigned = [...start[0].text.matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]);
    const envFile = join(dir, '.server-env.json');
    const script = [
      'set -e',
      ...setup.map((c) =>
        c === start[0] ? c.text.replace(/npm start\s*(#.*)?$/, `node -e 'process.stdout.write(JSON.stringify(process.env))' > ${envFile}`) : c.text,
      ),
      `export -p > ${join(dir, '.state')}`,
    ].join('\n');
    const ran = runBash(script, dir, {});
    if (ran.status !== 0) throw new Error(`The server block failed (${ran.status}): ${ran.stderr}`);
    const given = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
    const env = Object.fromEntries(assigned.map((name) => [name, given[name]]));
    server = await startBuiltApp({ ...env, SQLITE_PATH: join(dir, 'attrition.sqlite') });
    await server.listening(1);
    base = `localhost:${server.port}`;
  }, 300_000);

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks the examples, and none holds a placeholder, uuidgen or another model version', async () => {
    // Arrange
    const model = await fetch(`http://${base}/model`).then((r) => r.json() as Promise<{ model: { version: string } }>);
    const commands = blocks.flatMap((b) => b.commands);
    // Assert: the endpoints' examples are all marked (one server block, eight others).
    expect(blocks.filter((b) => b.kind === 'server')).toHaveLength(1);
    expect(blocks.filter((b) => b.kind === 'run').length).toBeGreaterThanOrEqual(8);
    // No `{...}`, `...` or `<key>` left for the reader to fill in, in any command.
    expect(commands.filter((c) => /\.\.\.|<[a-z_]+>/i.test(c.text)).map((c) => `README.md:${c.line}`)).toEqual([]);
    // uuidgen is not installed on Debian by default.
    expect(markdown).not.toMatch(/uuidgen/);
    // Every model version the README shows is the one served.
    const versions = [...markdown.matchAll(/"model_version":\s*"([^"]+)"|model_version=(\d[\w.]*)/g)].map((m) => m[1] ?? m[2]);
    expect(versions.length).toBeGreaterThan(3);
    expect(new Set(versions)).toEqual(new Set([model.model.version]));
  });

  it('gives, for every example command, a success and the output the README shows', () => {
    // Arrange: one bash script, every command between markers on stdout and stderr.
    const commands = blocks.filter((b) => b.kind === 'run').flatMap((b) => b.commands);
    const script = [
      'set -a',
      `source ${join(dir, '.state')}`,
      'set +a',
      CURL_WITH_STATUS,
      ...commands.flatMap((c, i) => [
        `printf '${STEP} ${i}\\n'; printf '${STEP} ${i}\\n' >&2`,
        c.text.replace(/localhost:3000/g, base),
        `__rc=$?; printf '\\n${STEP}-EXIT %d\\n' "$__rc"`,
      ]),
    ].join('\n');
    // Act
    const ran = runBash(script, dir, {});
    // Assert
    expect(ran.status).toBe(0);
    const outputs = ran.stdout.split(new RegExp(`${STEP} \\d+\\n`)).slice(1);
    const errors = ran.stderr.split(new RegExp(`${STEP} \\d+\\n`)).slice(1);
    expect(outputs).toHaveLength(commands.length);
    const problems = commands.flatMap((command, i) => {
      const where = `README.md:${command.line} (${command.text.split('\n')[0].slice(0, 80)})`;
      const exit = Number(/@@README-STEP-EXIT (\d+)\n?$/.exec(outputs[i])?.[1]);
      const stdout = outputs[i].replace(/\n?@@README-STEP-EXIT \d+\n?$/, '');
      const statuses = [...errors[i].matchAll(/@@README-STEP-HTTP (\d+)/g)].map((m) => Number(m[1]));
      const stderr = errors[i].replace(/@@README-STEP-HTTP \d+\n/g, '').trim();
      const found: string[] = [];
      if (exit !== 0) found.push(`exit ${exit}${stderr ? `: ${stderr}` : ''}`);
      const expectedStatus = command.expected?.status;
      const last = statuses[statuses.length - 1];
      if (expectedStatus !== undefined && last !== expectedStatus) found.push(`HTTP ${last}, the README shows ${expectedStatus}`);
      for (const status of expectedStatus === undefined ? statuses : statuses.slice(0, -1)) {
        if (status === 0 || status >= 400) found.push(`HTTP ${status}`);
      }
      if (command.expected) {
        let actual: unknown;
        try {
          actual = JSON.parse(stdout);
        } catch {
          found.push(`not JSON: ${stdout.slice(0, 200)}`);
        }
        if (actual !== undefined) found.push(...mismatches(parseExpected(command.expected.json), actual));
      }
      return found.map((problem) => `${where}: ${problem}`);
    });
    expect(problems).toEqual([]);
    // The examples compared some outputs, and produced the export they name.
    expect(commands.filter((c) => c.expected).length).toBeGreaterThanOrEqual(8);
    expect(readFileSync(join(dir, 'predictions.csv'), 'utf8').split('\n').length).toBeGreaterThan(2);
  });
});
