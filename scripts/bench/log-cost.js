// CPU per request of the logging at LOG_LEVEL=log (access line + prediction line) against
// LOG_LEVEL=warn (neither), for one or more builds, interleaved:
//   npm run bench:log-cost -- dist/apps/api/src/main.js [other/main.js ...]
// Run after npm run build. Standard output of the app goes to /dev/null.
// CPU is the app's utime+stime (/proc) over the requests autocannon completed.
// Env: LOG_COST_PORT (default 3451), LOG_COST_SECONDS (10), LOG_COST_ROUNDS (2).

// --help: this header comment (JavaScript, so not through bench-support's exitOnHelp).
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  const header = /^(?:\/\/.*\n)+/.exec(require('node:fs').readFileSync(__filename, 'utf8'))[0];
  process.stdout.write(header.replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, openSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const autocannon = require('autocannon');

const PORT = Number(process.env.LOG_COST_PORT ?? 3451);
const SECONDS = Number(process.env.LOG_COST_SECONDS ?? 10);
const ROUNDS = Number(process.env.LOG_COST_ROUNDS ?? 2);
const { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE: features } = require(resolve('dist/libs/validation/src/examples.js'));
const body = JSON.stringify({ features });
const ticks = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
};

async function measure(main, level) {
  const dir = mkdtempSync(join(tmpdir(), 'log-cost-'));
  const out = openSync('/dev/null', 'w');
  const child = spawn(process.execPath, [main], {
    cwd: resolve(main, '../../../../..'),
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: level, SQLITE_PATH: join(dir, 'a.sqlite'), RATE_LIMIT_PREDICT: '0', CONSOLE_DIR: join(dir, 'none') },
    stdio: ['ignore', out, 'inherit'],
  });
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/health/live`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const run = (duration) => autocannon({ url: `http://127.0.0.1:${PORT}/predict`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 4, duration });
  await run(2); // warm-up
  const before = ticks(child.pid);
  const result = await run(SECONDS);
  const cpuMs = (ticks(child.pid) - before) * 10;
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const requests = result.requests.total;
  return { main, level, requests, non2xx: result.non2xx, cpuUsPerRequest: (cpuMs * 1000) / requests };
}

(async () => {
  const mains = process.argv.slice(2);
  const rows = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const main of mains) for (const level of ['warn', 'log']) rows.push(await measure(main, level));
  }
  console.table(rows);
  for (const main of mains) {
    const mean = (level) => {
      const picked = rows.filter((r) => r.main === main && r.level === level);
      return picked.reduce((s, r) => s + r.cpuUsPerRequest, 0) / picked.length;
    };
    console.log(`${main}: CPU per /predict ${mean('warn').toFixed(0)} µs at warn, ${mean('log').toFixed(0)} µs at log: logging costs ${(mean('log') - mean('warn')).toFixed(0)} µs per request`);
  }
})();
