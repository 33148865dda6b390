import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddContributionsAndHistoryIndexes1764500000000 implements MigrationInterface {
  name = 'AddContributionsAndHistoryIndexes1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Null for predictions stored before explanations existed.
    await queryRunner.query(`ALTER TABLE model_outputs ADD COLUMN contributions JSONB NULL`);
    // History pages walk the primary key backwards (ORDER BY id DESC, id < cursor); these serve the filters:
    // a date window, and one model version's predictions in id order.
    await queryRunner.query(`CREATE INDEX model_outputs_created_at_idx ON model_outputs (created_at)`);
    await queryRunner.query(`CREATE INDEX model_outputs_model_version_id_idx ON model_outputs (model_version, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX model_outputs_model_version_id_idx`);
    await queryRunner.query(`DROP INDEX model_outputs_created_at_idx`);
    await queryRunner.query(`ALTER TABLE model_outputs DROP COLUMN contributions`);
  }
}
