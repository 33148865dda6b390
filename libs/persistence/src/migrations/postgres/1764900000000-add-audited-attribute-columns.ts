import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `genre` and `age` of each input as plain columns (written by the prediction writers, see
 * auditedAttributes), so the fairness report reads no JSON; existing rows are backfilled from
 * `features` by the same rule: the value when it is an integer, else NULL.
 */
export class AddAuditedAttributeColumns1764900000000 implements MigrationInterface {
  name = 'AddAuditedAttributeColumns1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE model_inputs ADD COLUMN genre integer, ADD COLUMN age integer`);
    const integer = (name: string) =>
      `CASE WHEN jsonb_typeof(features->'${name}') = 'number' AND (features->>'${name}')::numeric % 1 = 0
         AND abs((features->>'${name}')::numeric) <= 2147483647 THEN (features->>'${name}')::numeric::integer END`;
    await queryRunner.query(`UPDATE model_inputs SET genre = ${integer('genre')}, age = ${integer('age')}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE model_inputs DROP COLUMN genre, DROP COLUMN age`);
  }
}
