import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PERSISTENCE_OPTIONS, PersistenceModuleOptions } from './persistence.options';
import { PredictionLogRepository } from './prediction-log.repository';

const PURGE_BATCH = 5_000;
const DAY_MS = 86_400_000;

/**
 * Storage limitation (GDPR art. 5(1)(e)): with `retention.days` set, inputs older than that are
 * deleted, with everything derived from them by the database's cascade, at start-up and then every
 * `retention.intervalMs`, in batches so no delete holds locks for long. Several processes may run
 * it at once: a delete of rows already gone deletes nothing.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly log: PredictionLogRepository,
    @Inject(PERSISTENCE_OPTIONS) private readonly options: PersistenceModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    const retention = this.options.retention;
    if (!retention) return;
    this.timer = setInterval(() => void this.purge(), retention.intervalMs ?? 3_600_000).unref();
    void this.purge();
  }

  onModuleDestroy(): Promise<unknown> | void {
    clearInterval(this.timer);
    return this.running;
  }

  /** Deletes what is past retention now; resolves to the number of inputs deleted (0 when off). */
  purge(now = new Date()): Promise<number> {
    const days = this.options.retention?.days;
    if (days === undefined) return Promise.resolve(0);
    this.running ??= this.purgeBefore(new Date(now.getTime() - days * DAY_MS)).finally(() => (this.running = undefined));
    return this.running;
  }

  private async purgeBefore(cutoff: Date): Promise<number> {
    let total = 0;
    try {
      for (let deleted = PURGE_BATCH; deleted === PURGE_BATCH; total += deleted) {
        deleted = await this.log.purgeInputsCreatedBefore(cutoff, PURGE_BATCH);
      }
      if (total > 0) this.logger.log(`Retention: deleted ${total} inputs created before ${cutoff.toISOString()}`);
    } catch (error) {
      this.logger.warn(`Retention purge failed (retried at the next interval): ${(error as Error).message}`);
    }
    return total;
  }
}
