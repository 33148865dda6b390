import cluster, { Worker } from 'node:cluster';
import { Logger } from '@nestjs/common';
import { serveClusterMetrics } from '../metrics/cluster-metrics';

/** Messages from the primary to its workers, and the workers' answer, for a two-step drain. */
export const STOP_ACCEPTING = 'attrition:stop-accepting';
export const STOPPED_ACCEPTING = 'attrition:stopped-accepting';
export const DRAIN = 'attrition:drain';

/**
 * WORKERS > 1 forks that many processes sharing the port (node:cluster). The first one starts
 * alone, so that it alone applies pending migrations; the others follow once it listens. A
 * worker that dies after start-up is replaced; one that cannot start stops the whole service.
 *
 * SIGTERM or SIGINT drains every worker in two steps: all stop accepting first (so the shared
 * listener is closed before any client is told to reconnect), then all drain their connections
 * and exit. No worker is replaced meanwhile; the primary exits once they have, with 0 when every
 * worker exited cleanly, and kills those still running `timeoutMs` + 1 s after the signal.
 */
export function supervise(workers: number, timeoutMs: number): void {
  const logger = new Logger('Cluster');
  // The operating system hands connections to the workers instead of the primary (round-robin
  // mode). In round-robin mode the primary keeps its copy of a connection until the worker
  // acknowledges it, and never closes it if that worker dies first: the client hangs
  // (https://github.com/nodejs/node/issues/21746). Here a dying worker's connections close with it.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let started = 0;
  let stopping = false;
  const listening = new Set<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => {
      listening.add(worker);
      started++;
      if (started === 1) for (let i = 1; i < workers; i++) fork();
    });
    worker.once('exit', (code, signal) => {
      listening.delete(worker);
      if (stopping) return;
      if (started < workers) {
        logger.error(`A worker failed to start (exit code ${code}); stopping`);
        process.exit(1);
      }
      logger.warn(`Worker ${worker.process.pid} exited with ${signal ?? `code ${code}`}; starting another`);
      fork();
    });
  };

  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    // A worker still starting (a replacement) has no connection to drain: it is just stopped.
    const starting = live.filter((w) => !listening.has(w));
    const serving = live.filter((w) => listening.has(w));
    for (const w of starting) w.process.kill('SIGTERM');
    logger.log(`${signal}: draining ${serving.length} worker(s) (at most ${timeoutMs} ms)`);
    setTimeout(() => {
      logger.error(`Workers still running ${timeoutMs + 1000} ms after ${signal}; killing them`);
      for (const w of live) if (!w.isDead()) w.process.kill('SIGKILL');
      process.exit(1);
    }, timeoutMs + 1000).unref();
    const exited = (w: Worker) => new Promise<number>((resolve) => w.once('exit', (code) => resolve(code ?? 1)));
    const exits = serving.map(exited);
    const stopped = Promise.all(starting.map(exited));
    await Promise.all(serving.map((w) => stoppedAccepting(w)));
    for (const w of serving) if (w.isConnected()) w.send({ cmd: DRAIN });
    const codes = await Promise.all(exits);
    await stopped;
    const failed = codes.filter((code) => code !== 0).length;
    if (failed > 0) logger.error(`${failed} worker(s) did not shut down cleanly`);
    else logger.log('All workers drained; exiting');
    process.exit(failed > 0 ? 1 : 0);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
  // One scrape of any worker's /metrics covers every worker serving.
  serveClusterMetrics(() => listening);
  fork();
}

/** Asks a worker to stop accepting; resolves on its answer, or when it exits. */
function stoppedAccepting(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: { cmd?: string }) => {
      if (message?.cmd === STOPPED_ACCEPTING) done();
    };
    const done = () => {
      worker.off('message', onMessage);
      worker.off('exit', done);
      resolve();
    };
    worker.on('message', onMessage);
    worker.once('exit', done);
    if (worker.isConnected()) worker.send({ cmd: STOP_ACCEPTING });
    else done();
  });
}
