// Preloaded into a service by the bench (`node -r scripts/event-loop-probe.js main.js`): samples
// the event loop's delay with perf_hooks.monitorEventLoopDelay (1 ms resolution) and answers the
// parent over the fork IPC channel: 'event-loop:reset' starts a new window, 'event-loop:report'
// sends its max, p99 and mean in milliseconds. Needs no change to the service, so old builds are
// probed the same way.
// Cluster workers talk to their primary over the same channel: they are left alone (the bench
// reports the event loop for WORKERS=1 only).
const cluster = require('node:cluster');
const { monitorEventLoopDelay } = require('node:perf_hooks');

if (process.send && !cluster.isWorker && Number(process.env.WORKERS ?? 1) <= 1) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  process.on('message', (message) => {
    if (message === 'event-loop:reset') histogram.reset();
    if (message === 'event-loop:report') {
      process.send({
        eventLoop: { max: histogram.max / 1e6, p99: histogram.percentile(99) / 1e6, mean: histogram.mean / 1e6 },
      });
    }
  });
  // The listener must not keep a stopping service alive.
  process.channel?.unref();
}
