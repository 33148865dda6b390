// Preloaded into a service by the bench scripts (`node -r scripts/bench/service-probe.js main.js`);
// answers the parent over the fork IPC channel, with no change to the service, so old builds are
// probed the same way:
// - 'event-loop:reset' starts a new window of perf_hooks.monitorEventLoopDelay (1 ms resolution);
//   'event-loop:report' sends the window's max, p99 and mean in milliseconds;
// - 'cpu-profile:start' starts the V8 CPU profiler (what `node --cpu-prof` runs, but without the
//   start-up); { cpuProfile: path } stops it and writes the profile to that file, then answers.
const cluster = require('node:cluster');
const { writeFileSync } = require('node:fs');
const { Session } = require('node:inspector');
const { monitorEventLoopDelay } = require('node:perf_hooks');

// Cluster workers talk to their primary over the same channel: they are left alone (the bench
// probes WORKERS=1 only).
if (process.send && !cluster.isWorker && Number(process.env.WORKERS ?? 1) <= 1) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let session;
  process.on('message', (message) => {
    if (message === 'event-loop:reset') histogram.reset();
    if (message === 'event-loop:report') {
      process.send({
        eventLoop: { max: histogram.max / 1e6, p99: histogram.percentile(99) / 1e6, mean: histogram.mean / 1e6 },
      });
    }
    if (message === 'cpu-profile:start') {
      session = new Session();
      session.connect();
      session.post('Profiler.enable', () => session.post('Profiler.start'));
    }
    if (message && typeof message.cpuProfile === 'string' && session) {
      session.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(message.cpuProfile, JSON.stringify(result.profile));
        session.disconnect();
        session = undefined;
        process.send({ cpuProfileWritten: error ? null : message.cpuProfile });
      });
    }
  });
  // The listener must not keep a stopping service alive.
  process.channel?.unref();
}
