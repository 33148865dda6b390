import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { translateDatabaseError } from './database-errors';
import { ModelInputEntity } from './model-input.entity';
import { ModelOutputEntity } from './model-output.entity';
import { NewPredictionRecord, PredictionLogRepository, PredictionRecord } from './prediction-log.repository';
import { toPredictionRecord } from './prediction-record.mapper';
import { SerialQueue } from './serial-queue';

@Injectable()
export class TypeOrmPredictionLogRepository extends PredictionLogRepository {
  private readonly writes?: SerialQueue;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
    if (dataSource.options.type === 'better-sqlite3') this.writes = new SerialQueue();
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

  /** One save: the input and its output in one transaction (insert-only cascade). */
  private async insert(entry: NewPredictionRecord): Promise<PredictionRecord> {
    const inputs = this.dataSource.getRepository(ModelInputEntity);
    const output = Object.assign(new ModelOutputEntity(), {
      prediction: entry.prediction,
      probability: entry.probability,
      threshold: entry.threshold,
      modelVersion: entry.modelVersion,
    });
    const input = Object.assign(new ModelInputEntity(), { features: entry.features, outputs: [output] });
    const saved = await inputs.save(input);
    return toPredictionRecord(saved.outputs[0], saved);
  }
}
