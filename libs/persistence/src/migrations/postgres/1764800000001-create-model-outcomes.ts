import { MigrationInterface, QueryRunner } from 'typeorm';

/** Observed outcomes: one per input, gone with the input. `left` is quoted: LEFT is a keyword. */
export class CreateModelOutcomes1764800000001 implements MigrationInterface {
  name = 'CreateModelOutcomes1764800000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE model_outcomes (
        input_id INTEGER PRIMARY KEY REFERENCES model_inputs(id) ON DELETE CASCADE,
        "left" INTEGER NOT NULL CONSTRAINT model_outcomes_left_check CHECK ("left" IN (0, 1)),
        observed_at TIMESTAMPTZ NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE model_outcomes`);
  }
}
