// CPU per request of the log lines alone, in one process (stable on a loaded machine): the new
// access line and request timing (the real RequestObserver middleware of dist/, on a stand-in
// request and response) plus the prediction line through PinoNestLogger, against the old prediction line through Nest's
// ConsoleLogger (text). Output to /dev/null. Run after npm run build: npm run bench:log-line-cost
// Env: LOG_COST_LINES (lines per round, default 50000).

// --help: this header comment (JavaScript, so not through bench-support's exitOnHelp).
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  const header = /^(?:\/\/.*\n)+/.exec(require('node:fs').readFileSync(__filename, 'utf8'))[0];
  process.stdout.write(header.replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
const { EventEmitter } = require('node:events');
const { openSync, createWriteStream } = require('node:fs');
const { ConsoleLogger } = require('@nestjs/common');
const pino = require('pino');
const { Histogram } = require('prom-client');
const { createRootLogger, PinoNestLogger } = require('../../dist/apps/api/src/logging/logging');
const { RequestObserver } = require('../../dist/apps/api/src/http/request-observer');

const N = Number(process.env.LOG_COST_LINES ?? 50_000);
const ROUNDS = 5;
const devNull = () => pino.destination({ fd: openSync('/dev/null', 'w'), sync: false });
const cpuUs = (work) => {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
};

const root = createRootLogger({ logLevel: 'log', logFileLevel: 'log' }, devNull());
const duration = new Histogram({ name: 'cost_duration_seconds', help: 'cost', labelNames: ['method', 'route', 'status'], registers: [] });
const access = new RequestObserver(root, duration).middleware;
const nestPino = new PinoNestLogger(root);
const request = (i) => Object.assign(new EventEmitter(), { method: 'POST', headers: { 'x-request-id': `req-${i}` }, route: { path: '/predict' } });
const response = () => Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: true, setHeader() {} });

// Old: Nest's ConsoleLogger writes to process.stdout; point a ConsoleLogger subclass at /dev/null.
const sink = createWriteStream('/dev/null');
class NullConsoleLogger extends ConsoleLogger {
  printMessages(messages, context, logLevel) {
    for (const message of messages) sink.write(this.formatMessage(logLevel, message, this.formatPid(process.pid), this.colorize(context ? `[${context}] ` : '', logLevel), context ? `[${context}] ` : '', '') );
  }
}
const oldText = new NullConsoleLogger({ logLevels: ['log'] });

const variants = {
  'new: access line and timing (RequestObserver) + prediction line (PinoNestLogger)': () => {
    for (let i = 0; i < N; i++) {
      const req = request(i);
      const res = response();
      access(req, res, () => undefined);
      nestPino.log({ request_id: `req-${i}`, msg: `prediction ${i} model 1.1.0: 1 in 0.52 ms` }, 'PredictionService');
      res.emit('finish');
    }
  },
  'new: access line and timing alone': () => {
    for (let i = 0; i < N; i++) {
      const req = request(i);
      const res = response();
      access(req, res, () => undefined);
      res.emit('finish');
    }
  },
  'old: prediction line (Nest ConsoleLogger, text)': () => {
    for (let i = 0; i < N; i++) oldText.log(`prediction ${i} model 1.1.0: 1 in 0.52 ms`, 'PredictionService');
  },
  'baseline: stand-in request and response only': () => {
    for (let i = 0; i < N; i++) {
      const res = response();
      request(i);
      res.emit('finish');
    }
  },
};
const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) for (const [name, work] of Object.entries(variants)) results[name].push(cpuUs(work));
for (const [name, values] of Object.entries(results)) {
  values.sort((a, b) => a - b);
  console.log(`${name}: median ${values[2].toFixed(2)} µs CPU per request (${values.map((v) => v.toFixed(2)).join(', ')})`);
}
