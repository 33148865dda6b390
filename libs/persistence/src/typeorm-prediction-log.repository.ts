import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MicroBatcher } from '@app/common';
import { translateDatabaseError } from './database-errors';
import { ModelInputEntity } from './model-input.entity';
import { ModelOutputEntity } from './model-output.entity';
import {
  NewPredictionRecord,
  PredictionLogRepository,
  PredictionQuery,
  PredictionRecord,
} from './prediction-log.repository';
import { toPredictionRecord } from './prediction-record.mapper';
import { createPredictionWriter, PredictionWriter } from './prediction-writers';
import { PERSISTENCE_OPTIONS, PersistenceModuleOptions } from './persistence.options';

/**
 * Writes go through a PredictionWriter (one statement or one synchronous transaction per batch);
 * `record` shares batches between concurrent callers (group commit). Reads use the entities.
 */
@Injectable()
export class TypeOrmPredictionLogRepository extends PredictionLogRepository {
  private readonly sqlite: boolean;
  private readonly writer: PredictionWriter;
  private readonly groupCommit?: MicroBatcher<NewPredictionRecord, PredictionRecord>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PERSISTENCE_OPTIONS) options: PersistenceModuleOptions,
  ) {
    super();
    this.sqlite = dataSource.options.type === 'better-sqlite3';
    this.writer = createPredictionWriter(dataSource);
    const groupCommit = options.groupCommit ?? {};
    if (groupCommit !== false) {
      this.groupCommit = new MicroBatcher((entries) => this.writer.insertMany(entries), {
        maxBatchSize: groupCommit.maxBatchSize ?? 128,
        maxInFlight: groupCommit.maxInFlight ?? 2,
      });
    }
  }

  async record(entry: NewPredictionRecord): Promise<PredictionRecord> {
    try {
      return await (this.groupCommit ? this.groupCommit.submit(entry) : this.writer.insertMany([entry]).then((r) => r[0]));
    } catch (error) {
      translateDatabaseError(error);
    }
  }

  async recordMany(entries: readonly NewPredictionRecord[]): Promise<PredictionRecord[]> {
    try {
      return await this.writer.insertMany(entries);
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

  /**
   * Query-builder parameters skip the column's type conversion: SQLite stores created_at as
   * 'YYYY-MM-DD HH:MM:SS.SSS' text in UTC, and better-sqlite3 cannot bind a Date.
   */
  private dateParameter(date: Date): Date | string {
    return this.sqlite ? date.toISOString().replace('T', ' ').replace('Z', '') : date;
  }
}
