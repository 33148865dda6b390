import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { MicroBatcher, withSpan } from '@app/common';
import { errorCode, isUnavailable, serviceError, translateDatabaseError } from './database-errors';
import { DatabaseWriteHealth } from './database-write-health';
import { ModelInputEntity } from './model-input.entity';
import { ModelOutputEntity } from './model-output.entity';
import {
  NewPredictionRecord,
  PredictionLogRepository,
  PredictionQuery,
  PredictionRecord,
  RecordOutcome,
  StoredPrediction,
} from './prediction-log.repository';
import { toPredictionRecord } from './prediction-record.mapper';
import { toSqliteTime } from './sqlite-time';
import { createPredictionWriter, PredictionWriter, WriteFailure } from './prediction-writers';
import { PERSISTENCE_OPTIONS, PersistenceModuleOptions } from './persistence.options';
import { PersistenceMetrics } from './persistence.metrics';

/** One entry's attempt: its new record, `null` when its idempotency key was already stored, or why it failed. */
type Attempt = { record: PredictionRecord | null } | { failure: WriteFailure };

/**
 * Writes go through a PredictionWriter (one statement or one synchronous transaction per batch,
 * on the writer's own connection); `record` shares batches between concurrent callers (group
 * commit). Reads use the entities.
 */
@Injectable()
export class TypeOrmPredictionLogRepository extends PredictionLogRepository implements OnModuleDestroy {
  private readonly logger = new Logger(TypeOrmPredictionLogRepository.name);
  private readonly sqlite: boolean;
  private readonly writer: PredictionWriter;
  private readonly groupCommit?: MicroBatcher<NewPredictionRecord, Attempt>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PERSISTENCE_OPTIONS) options: PersistenceModuleOptions,
    private readonly writeHealth: DatabaseWriteHealth,
    private readonly metrics: PersistenceMetrics,
  ) {
    super();
    this.sqlite = dataSource.options.type === 'better-sqlite3';
    this.writer = metrics.observe(createPredictionWriter(options));
    const groupCommit = options.groupCommit ?? {};
    if (groupCommit !== false) {
      const flush = (entries: NewPredictionRecord[]) => {
        this.metrics.groupCommitFlush(entries.length);
        return this.insertEach(entries);
      };
      this.groupCommit = new MicroBatcher(flush, {
        maxBatchSize: groupCommit.maxBatchSize ?? 128,
        maxInFlight: groupCommit.maxInFlight ?? 2,
        stallAfterMs: groupCommit.stallAfterMs ?? 200,
      });
    }
  }

  onModuleDestroy(): Promise<void> {
    return this.writer.close();
  }

  record(entry: NewPredictionRecord): Promise<StoredPrediction> {
    return withSpan('persistence', () => this.recordOne(entry), { 'db.system.name': this.sqlite ? 'sqlite' : 'postgresql', 'attrition.rows': 1 });
  }

  private async recordOne(entry: NewPredictionRecord): Promise<StoredPrediction> {
    const [attempt] = this.groupCommit ? [await this.groupCommit.submit(entry)] : await this.insertEach([entry]);
    if ('failure' in attempt) throw asServiceError(attempt.failure);
    if (attempt.record) return { record: attempt.record, replayed: false };
    const stored = await this.findByIdempotencyKeys([entry.idempotencyKey!]);
    return { record: storedFor(stored, entry), replayed: true };
  }

  recordMany(entries: readonly NewPredictionRecord[]): Promise<RecordOutcome[]> {
    const system = this.sqlite ? 'sqlite' : 'postgresql';
    return withSpan('persistence', () => this.recordAll(entries), { 'db.system.name': system, 'attrition.rows': entries.length });
  }

  private async recordAll(entries: readonly NewPredictionRecord[]): Promise<RecordOutcome[]> {
    const attempts = await this.insertEach(entries);
    const outages = attempts.flatMap((a) => ('failure' in a && isUnavailable(a.failure.cause) ? [a.failure] : []));
    if (outages.length > 0) {
      // Entries stored one by one before the outage stay stored: then the outcome is partial.
      const allFailed = outages.length === attempts.length;
      throw asServiceError(allFailed ? outages[0] : new WriteFailure(outages[0].cause, 'unknown'));
    }
    const replayedKeys = entries.flatMap((e, i) => {
      const a = attempts[i];
      return 'record' in a && a.record === null ? [e.idempotencyKey!] : [];
    });
    const stored = replayedKeys.length > 0 ? await this.findByIdempotencyKeys(replayedKeys) : new Map<string, PredictionRecord>();
    return attempts.map((a, i): RecordOutcome => {
      if ('failure' in a) return { stored: false, error: a.failure.cause };
      return a.record ? { stored: true, record: a.record, replayed: false } : { stored: true, record: storedFor(stored, entries[i]), replayed: true };
    });
  }

  /**
   * One transaction for all entries. When it fails for a reason other than an outage, one entry
   * holds a value the database refuses: the entries are then written one by one, so that only
   * that entry fails (and an outage meanwhile fails the rest without trying them).
   */
  private async insertEach(entries: NewPredictionRecord[] | readonly NewPredictionRecord[]): Promise<Attempt[]> {
    const attempts = await this.attemptEach(entries);
    const failure = attempts.find((a): a is { failure: WriteFailure } => 'failure' in a);
    this.writeHealth.noteWrite(failure?.failure.cause);
    return attempts;
  }

  private async attemptEach(entries: NewPredictionRecord[] | readonly NewPredictionRecord[]): Promise<Attempt[]> {
    try {
      return (await this.writer.insertMany(entries)).map((record) => ({ record }));
    } catch (error) {
      const failure = error as WriteFailure;
      if (entries.length === 1 || isUnavailable(failure.cause)) return entries.map(() => ({ failure }));
      // The code only: a database message may quote the refused value, which is personal data.
      this.logger.warn(`A transaction of ${entries.length} predictions failed (code ${errorCode(failure.cause) ?? 'none'}); writing them one by one`);
      const attempts: Attempt[] = [];
      let outage: WriteFailure | undefined;
      for (const entry of entries) {
        if (outage) {
          attempts.push({ failure: new WriteFailure(outage.cause, 'not-stored') });
          continue;
        }
        try {
          attempts.push({ record: (await this.writer.insertMany([entry]))[0] });
        } catch (error) {
          const itsOwn = error as WriteFailure;
          if (isUnavailable(itsOwn.cause)) outage = itsOwn;
          else this.logger.error(`A prediction could not be stored (code ${errorCode(itsOwn.cause) ?? 'none'})`);
          attempts.push({ failure: itsOwn });
        }
      }
      return attempts;
    }
  }

  /** The first prediction stored for each key, by key. */
  private async findByIdempotencyKeys(keys: string[]): Promise<Map<string, PredictionRecord>> {
    try {
      const outputs = await this.dataSource.getRepository(ModelOutputEntity).find({
        where: { input: { idempotencyKey: In(keys) } },
        relations: { input: true },
        order: { id: 'DESC' },
      });
      return new Map(outputs.map((output) => [output.input.idempotencyKey!, toPredictionRecord(output)]));
    } catch (error) {
      translateDatabaseError(error);
    }
  }

  async findById(id: number): Promise<PredictionRecord | null> {
    try {
      const output = await this.dataSource.getRepository(ModelOutputEntity).findOne({
        where: { id },
        relations: { input: { outcome: true } },
      });
      return output ? toPredictionRecord(output) : null;
    } catch (error) {
      translateDatabaseError(error);
    }
  }

  async list(query: PredictionQuery): Promise<PredictionRecord[]> {
    const qb = this.dataSource
      .getRepository(ModelOutputEntity)
      .createQueryBuilder('output')
      .innerJoinAndSelect('output.input', 'input')
      .leftJoinAndSelect('input.outcome', 'outcome')
      .orderBy('output.id', 'DESC')
      .limit(query.limit);
    if (query.beforeId !== undefined) qb.andWhere('output.id < :beforeId', { beforeId: query.beforeId });
    if (query.from) qb.andWhere('output.created_at >= :from', { from: this.dateParameter(query.from) });
    if (query.to) qb.andWhere('output.created_at < :to', { to: this.dateParameter(query.to) });
    if (query.prediction !== undefined) qb.andWhere('output.prediction = :prediction', { prediction: query.prediction });
    if (query.modelVersion !== undefined) qb.andWhere('output.model_version = :modelVersion', { modelVersion: query.modelVersion });
    if (query.minProbability !== undefined) {
      qb.andWhere('output.probability >= :minProbability', { minProbability: query.minProbability });
    }
    try {
      return (await qb.getMany()).map((output) => toPredictionRecord(output));
    } catch (error) {
      translateDatabaseError(error);
    }
  }

  async deleteInput(inputId: number): Promise<boolean> {
    try {
      const result = await this.dataSource.getRepository(ModelInputEntity).delete({ id: inputId });
      return (result.affected ?? 0) > 0;
    } catch (error) {
      translateDatabaseError(error);
    }
  }

  async purgeInputsCreatedBefore(cutoff: Date, limit: number): Promise<number> {
    const oldest = this.dataSource
      .getRepository(ModelInputEntity)
      .createQueryBuilder('input')
      .select('input.id')
      .where('input.created_at < :cutoff', { cutoff: this.dateParameter(cutoff) })
      .orderBy('input.id')
      .limit(limit);
    try {
      const result = await this.dataSource
        .createQueryBuilder()
        .delete()
        .from(ModelInputEntity)
        .where(`id IN (${oldest.getQuery()})`)
        .setParameters(oldest.getParameters())
        .execute();
      return result.affected ?? 0;
    } catch (error) {
      translateDatabaseError(error);
    }
  }

  /** Query-builder parameters skip the column's type conversion, so SQLite gets its text form. */
  private dateParameter(date: Date): Date | string {
    return this.sqlite ? toSqliteTime(date) : date;
  }
}

function storedFor(stored: Map<string, PredictionRecord>, entry: NewPredictionRecord): PredictionRecord {
  const record = stored.get(entry.idempotencyKey!);
  // Only when the input was erased between the refused insert and this read.
  if (!record) throw new Error('The prediction stored under this idempotency key has just been erased');
  return record;
}

/**
 * An outage as DatabaseUnavailableError; any other refusal as a plain error naming only the
 * driver's code: the database's message may quote the refused value, which is personal data, and
 * the error of a 500 is logged.
 */
function asServiceError(failure: WriteFailure): unknown {
  if (isUnavailable(failure.cause)) return serviceError(failure.cause, failure.outcome);
  return new Error(`The database refused the prediction (code ${errorCode(failure.cause) ?? 'none'})`);
}
