import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
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
import { SerialQueue } from './serial-queue';

@Injectable()
export class TypeOrmPredictionLogRepository extends PredictionLogRepository {
  private readonly sqlite: boolean;
  /** SQLite only: one write transaction at a time (see SerialQueue). */
  private readonly writes?: SerialQueue;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
    this.sqlite = dataSource.options.type === 'better-sqlite3';
    if (this.sqlite) this.writes = new SerialQueue();
  }

  async record(entry: NewPredictionRecord): Promise<PredictionRecord> {
    const write = () => this.insert(entry);
    try {
      return await (this.writes ? this.writes.run(write) : write());
    } catch (error) {
      translateDatabaseError(error);
    }
  }

  async findById(id: number): Promise<PredictionRecord | null> {
    try {
      const output = await this.dataSource.getRepository(ModelOutputEntity).findOne({
        where: { id },
        relations: { input: true },
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
    const remove = () => this.dataSource.getRepository(ModelInputEntity).delete({ id: inputId });
    try {
      const result = await (this.writes ? this.writes.run(remove) : remove());
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

  /** One save: the input and its output in one transaction (insert-only cascade). */
  private async insert(entry: NewPredictionRecord): Promise<PredictionRecord> {
    const inputs = this.dataSource.getRepository(ModelInputEntity);
    const output = Object.assign(new ModelOutputEntity(), {
      prediction: entry.prediction,
      probability: entry.probability,
      threshold: entry.threshold,
      modelVersion: entry.modelVersion,
      contributions: entry.contributions,
    });
    const input = Object.assign(new ModelInputEntity(), { features: entry.features, outputs: [output] });
    const saved = await inputs.save(input);
    return toPredictionRecord(saved.outputs[0], saved);
  }
}
