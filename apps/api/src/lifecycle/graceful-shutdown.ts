import { Server } from 'node:http';
import { INestApplication, Logger } from '@nestjs/common';
import { ShutdownState } from '@app/common';
import { HttpDrainer } from './http-drainer';

/**
 * The shutdown of one serving process, in the order that loses no work: readiness fails and the
 * listener closes (`stopAccepting`); in-flight requests and their group-commit batches finish
 * while the model and the database pool stay up, keep-alive connections close (`drain`); only
 * then does Nest release the model and the pool (`app.close()`). The process exits within
 * `timeoutMs` of the first step, whatever happens.
 */
export class GracefulShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly drainer: HttpDrainer;
  private startedAt?: number;
  private finishing?: Promise<number>;

  constructor(
    private readonly app: INestApplication,
    private readonly timeoutMs: number,
  ) {
    this.drainer = new HttpDrainer(app.getHttpServer() as Server, Math.min(1000, timeoutMs / 4));
  }

  /** Readiness answers 503 and no new connection is accepted. Idempotent. */
  stopAccepting(reason: string): void {
    if (this.startedAt !== undefined) return;
    this.startedAt = Date.now();
    this.logger.log(`${reason}: draining (at most ${this.timeoutMs} ms)`);
    setTimeout(() => {
      this.logger.error(`Shutdown did not finish within ${this.timeoutMs} ms; exiting`);
      process.exit(1);
    }, this.timeoutMs).unref();
    this.app.get(ShutdownState).beginDraining();
    this.drainer.stopAccepting();
  }

  /** Drains, closes the application, and resolves with the exit code (0: nothing was cut). */
  finish(reason: string): Promise<number> {
    this.stopAccepting(reason);
    this.finishing ??= this.run();
    return this.finishing;
  }

  private async run(): Promise<number> {
    const started = this.startedAt!;
    // Keep a share of the budget for closing the model and the pool.
    const cut = await this.drainer.drain(started + this.timeoutMs - Math.min(1000, this.timeoutMs / 4));
    if (cut > 0) this.logger.error(`${cut} connection(s) still busy at the shutdown deadline were closed`);
    await this.app.close();
    this.logger.log(`Drained and closed in ${Date.now() - started} ms`);
    return cut > 0 ? 1 : 0;
  }
}
