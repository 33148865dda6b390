import { MigrationInterface, QueryRunner } from 'typeorm';

/** Serves the retention purge (inputs created before a cut-off). Same SQL on SQLite. */
export class AddInputCreatedAtIndex1764700000000 implements MigrationInterface {
  name = 'AddInputCreatedAtIndex1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX model_inputs_created_at_idx ON model_inputs (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX model_inputs_created_at_idx`);
  }
}
