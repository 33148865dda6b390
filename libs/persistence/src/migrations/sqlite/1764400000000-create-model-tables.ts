import { MigrationInterface, QueryRunner } from 'typeorm';

/** The same schema as the PostgreSQL migration, in SQLite's types (JSON as checked TEXT). */
export class CreateModelTables1764400000000 implements MigrationInterface {
  name = 'CreateModelTables1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE model_inputs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        features TEXT NOT NULL CHECK (json_valid(features)),
        created_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
      )`);
    await queryRunner.query(`
      CREATE TABLE model_outputs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        input_id INTEGER NOT NULL REFERENCES model_inputs(id) ON DELETE CASCADE,
        prediction INTEGER NOT NULL CONSTRAINT model_outputs_prediction_check CHECK (prediction IN (0, 1)),
        probability DOUBLE PRECISION NULL
          CONSTRAINT model_outputs_probability_check CHECK (probability >= 0 AND probability <= 1),
        threshold DOUBLE PRECISION NOT NULL
          CONSTRAINT model_outputs_threshold_check CHECK (threshold >= 0 AND threshold <= 1),
        model_version VARCHAR(64) NOT NULL,
        created_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
      )`);
    await queryRunner.query(`CREATE INDEX model_outputs_input_id_idx ON model_outputs (input_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE model_outputs`);
    await queryRunner.query(`DROP TABLE model_inputs`);
  }
}
