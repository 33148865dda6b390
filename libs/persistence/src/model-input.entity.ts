import { Column, CreateDateColumn, Entity, Index, OneToMany, OneToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ModelOutcomeEntity } from './model-outcome.entity';
import { ModelOutputEntity } from './model-output.entity';

/**
 * `model_inputs`: the validated raw features of one request. The column is declared `json` so the
 * entity works on both drivers; the PostgreSQL migration creates it as JSONB (TypeORM reads and
 * writes json and jsonb the same way).
 */
@Entity({ name: 'model_inputs' })
export class ModelInputEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id: number;

  @Column({ name: 'features', type: 'json' })
  features: Record<string, number | string>;

  @Index('model_inputs_created_at_idx')
  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  /**
   * The client's Idempotency-Key (a batch item's own key, or `<header key>#<index>`); unique when
   * set. 200: room for a 128-character key, `#` and an index.
   */
  @Index('model_inputs_idempotency_key_idx', { unique: true })
  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey: string | null;

  // Insert-only cascade, so a save through the entities can never update an output by accident. The hot
  // path writes both rows with one statement per batch instead (prediction-writers.ts); deletes
  // cascade in the database (ON DELETE CASCADE on model_outputs.input_id).
  @OneToMany(() => ModelOutputEntity, (output) => output.input, { cascade: ['insert'] })
  outputs: ModelOutputEntity[];

  /** What really happened to the person, when a client has recorded it (POST /outcomes). */
  @OneToOne(() => ModelOutcomeEntity, (outcome) => outcome.input)
  outcome?: ModelOutcomeEntity | null;
}
