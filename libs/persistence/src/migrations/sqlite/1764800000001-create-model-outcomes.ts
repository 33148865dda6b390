import { MigrationInterface, QueryRunner } from 'typeorm';

/** Same as the PostgreSQL migration, timestamps as UTC text like the other tables. */
export class CreateModelOutcomes1764800000001 implements MigrationInterface {
  name = 'CreateModelOutcomes1764800000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE model_outcomes (
        input_id INTEGER PRIMARY KEY REFERENCES model_inputs(id) ON DELETE CASCADE,
        "left" INTEGER NOT NULL CONSTRAINT model_outcomes_left_check CHECK ("left" IN (0, 1)),
        observed_at DATETIME NOT NULL,
        recorded_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE model_outcomes`);
  }
}
