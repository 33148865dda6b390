// Asks GET <url> every 20 ms over one keep-alive connection, from its own process (so that a
// stalled server cannot also stall the measurement), until its stdin closes; then prints the
// latencies in milliseconds as a JSON array.
const { Agent, get } = require('node:http');

const url = process.argv[2];
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const latencies = [];
let running = true;
process.stdin.on('data', () => undefined);
process.stdin.on('end', () => (running = false));

function probe() {
  return new Promise((resolve) => {
    const started = performance.now();
    get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - started : Infinity));
    }).on('error', () => resolve(Infinity));
  });
}

(async () => {
  while (running) {
    latencies.push(await probe());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  agent.destroy();
  process.stdout.write(JSON.stringify(latencies.map((ms) => (Number.isFinite(ms) ? ms : -1))));
})();
