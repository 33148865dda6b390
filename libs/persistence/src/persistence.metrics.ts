import { Injectable } from '@nestjs/common';
import { InjectMetric, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { Gauge, Histogram } from 'prom-client';
import { NewPredictionRecord, PredictionRecord } from './prediction-log.repository';
import { PredictionWriter } from './prediction-writers';

export const GROUP_COMMIT_BATCH_SIZE = 'attrition_group_commit_batch_size';
export const DB_WRITE_DURATION = 'attrition_db_write_duration_seconds';
export const DB_POOL_WAITING = 'attrition_db_pool_waiting_clients';

/** The writers alive in this process (one per application), read when /metrics is scraped. */
const liveWriters = new Set<PredictionWriter>();

export const persistenceMetricProviders = [
  makeHistogramProvider({
    name: GROUP_COMMIT_BATCH_SIZE,
    help: 'Predictions written by one group-commit flush (concurrent POST /predict sharing a transaction)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  }),
  makeHistogramProvider({
    name: DB_WRITE_DURATION,
    help: 'Duration of one prediction write (a group-commit flush or a batch), from asking for a connection to the commit',
    labelNames: ['outcome'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
  makeGaugeProvider({
    name: DB_POOL_WAITING,
    help: "Clients waiting for a connection of the prediction writer's PostgreSQL pool (always 0 on the embedded database)",
    collect(this: Gauge) {
      let waiting = 0;
      for (const writer of liveWriters) waiting += writer.waitingClients();
      this.set(waiting);
    },
  }),
];

/** Observes the write path: flush sizes, write durations, and the pool's queue at each scrape. */
@Injectable()
export class PersistenceMetrics {
  constructor(
    @InjectMetric(GROUP_COMMIT_BATCH_SIZE) private readonly flushSizes: Histogram,
    @InjectMetric(DB_WRITE_DURATION) private readonly writeDurations: Histogram<'outcome'>,
  ) {}

  groupCommitFlush(size: number): void {
    this.flushSizes.observe(size);
  }

  /** `writer`, its insertMany timed and its pool counted until it is closed. */
  observe(writer: PredictionWriter): PredictionWriter {
    liveWriters.add(writer);
    const durations = this.writeDurations;
    return {
      async insertMany(entries: readonly NewPredictionRecord[]): Promise<(PredictionRecord | null)[]> {
        const stop = durations.startTimer();
        try {
          const records = await writer.insertMany(entries);
          stop({ outcome: 'committed' });
          return records;
        } catch (error) {
          stop({ outcome: 'failed' });
          throw error;
        }
      },
      waitingClients: () => writer.waitingClients(),
      close: () => {
        liveWriters.delete(writer);
        return writer.close();
      },
    };
  }
}
