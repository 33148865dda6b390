import { Check, Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { ModelInputEntity } from './model-input.entity';

/**
 * `model_outcomes`: what really happened to the person behind one input (did they leave?), at
 * most one per input, deleted with the input by the database's cascade.
 */
@Entity({ name: 'model_outcomes' })
@Check('model_outcomes_left_check', `"left" IN (0, 1)`)
export class ModelOutcomeEntity {
  @PrimaryColumn({ name: 'input_id', type: 'int' })
  inputId: number;

  @OneToOne(() => ModelInputEntity, (input) => input.outcome, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'input_id' })
  input: ModelInputEntity;

  /** 1: the person left; 0: the person stayed. */
  @Column({ name: 'left', type: 'int' })
  left: number;

  /** When the outcome was observed, as the client reported it. */
  @Column({ name: 'observed_at' })
  observedAt: Date;

  /** When it was stored (or last replaced). */
  @CreateDateColumn({ name: 'recorded_at' })
  recordedAt: Date;
}
