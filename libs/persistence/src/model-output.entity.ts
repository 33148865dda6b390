import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ModelInputEntity } from './model-input.entity';

/** `model_outputs`: one prediction for one input; deleted with its input by the database's cascade. */
@Entity({ name: 'model_outputs' })
export class ModelOutputEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id: number;

  @ManyToOne(() => ModelInputEntity, (input) => input.outputs, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'input_id' })
  input: ModelInputEntity;

  @Column({ name: 'prediction', type: 'int' })
  prediction: number;

  @Column({ name: 'probability', type: 'double precision', nullable: true })
  probability: number | null;

  @Column({ name: 'threshold', type: 'double precision' })
  threshold: number;

  /** Contribution of each model feature to the log-odds, by name: why the model said what it said. */
  @Column({ name: 'contributions', type: 'json', nullable: true })
  contributions: Record<string, number> | null;

  @Column({ name: 'model_version', type: 'varchar', length: 64 })
  modelVersion: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
