import { MigrationInterface, QueryRunner } from 'typeorm';

/** The client's Idempotency-Key, stored with the input; unique, so a retry can never store twice. Same SQL on SQLite. */
export class AddIdempotencyKey1764600000001 implements MigrationInterface {
  name = 'AddIdempotencyKey1764600000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE model_inputs ADD COLUMN idempotency_key VARCHAR(200) NULL`);
    // NULLs are distinct: requests without a key never conflict.
    await queryRunner.query(`CREATE UNIQUE INDEX model_inputs_idempotency_key_idx ON model_inputs (idempotency_key)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX model_inputs_idempotency_key_idx`);
    await queryRunner.query(`ALTER TABLE model_inputs DROP COLUMN idempotency_key`);
  }
}
