import cluster from 'node:cluster';
import { DRAIN, STOP_ACCEPTING, STOPPED_ACCEPTING } from './cluster-supervisor';
import { stopTracing } from '../tracing/tracing';
import { GracefulShutdown } from './graceful-shutdown';

/**
 * Listens for the requests to stop, from the start of the process: SIGTERM or SIGINT in a single
 * process. A cluster worker follows the primary's two steps instead (stop accepting, then drain);
 * it ignores SIGINT, which a terminal sends to the whole process group while the primary
 * coordinates, and drains on its own on a SIGTERM sent to it alone (the primary replaces it).
 *
 * Returns the function that hands over the started application; a stop requested before then
 * exits at once with 0, since no connection was accepted yet.
 */
export function installShutdownTriggers(): (shutdown: GracefulShutdown) => void {
  let started: GracefulShutdown | undefined;
  const finish = (reason: string) => {
    if (!started) process.exit(0);
    void started.finish(reason).then(
      async (code) => {
        await flushTraces();
        process.exit(code);
      },
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', finish);
  if (cluster.isPrimary) {
    process.once('SIGINT', finish);
  } else {
    process.on('SIGINT', () => undefined);
    process.on('message', (message: { cmd?: string }) => {
      if (message?.cmd === STOP_ACCEPTING) {
        if (!started) process.exit(0);
        started.stopAccepting('Asked by the cluster primary');
        process.send?.({ cmd: STOPPED_ACCEPTING });
      } else if (message?.cmd === DRAIN) {
        finish('Asked by the cluster primary');
      }
    });
  }
  return (shutdown) => {
    started = shutdown;
  };
}

/** The spans still buffered are sent, for at most a second: an unreachable collector delays no exit. */
function flushTraces(): Promise<void> {
  return Promise.race([stopTracing().catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 1000).unref())]);
}
