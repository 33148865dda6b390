import { MigrationInterface, QueryRunner } from 'typeorm';

/** Same as the PostgreSQL migration, timestamps as UTC text like the other tables. */
export class CreateModelOutcomes1764800000001 implements MigrationInterface {
  name = 'CreateModelOutcomes1764800000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Written the way TypeORM's SQLite driver reads a table back (quoted names, named constraints),
    // so that its schema builder finds nothing to change (test/schema.int-spec.ts).
    await queryRunner.query(`
      CREATE TABLE "model_outcomes" (
        "input_id" integer PRIMARY KEY NOT NULL,
        "left" integer NOT NULL,
        "observed_at" datetime NOT NULL,
        "recorded_at" datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
        CONSTRAINT "model_outcomes_left_check" CHECK ("left" IN (0, 1)),
        CONSTRAINT "model_outcomes_input_id_fkey" FOREIGN KEY ("input_id") REFERENCES "model_inputs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE model_outcomes`);
  }
}
