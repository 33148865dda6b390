import { MigrationInterface, QueryRunner } from 'typeorm';

/** Same as the PostgreSQL migration; JSON as checked TEXT. */
export class AddContributionsAndHistoryIndexes1764500000000 implements MigrationInterface {
  name = 'AddContributionsAndHistoryIndexes1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE model_outputs ADD COLUMN contributions TEXT NULL CHECK (contributions IS NULL OR json_valid(contributions))`,
    );
    await queryRunner.query(`CREATE INDEX model_outputs_created_at_idx ON model_outputs (created_at)`);
    await queryRunner.query(`CREATE INDEX model_outputs_model_version_id_idx ON model_outputs (model_version, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX model_outputs_model_version_id_idx`);
    await queryRunner.query(`DROP INDEX model_outputs_created_at_idx`);
    await queryRunner.query(`ALTER TABLE model_outputs DROP COLUMN contributions`);
  }
}
