import { MigrationInterface, QueryRunner } from 'typeorm';

/** As on PostgreSQL: `genre` and `age` as plain columns of model_inputs, backfilled from `features`. */
export class AddAuditedAttributeColumns1764900000000 implements MigrationInterface {
  name = 'AddAuditedAttributeColumns1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE model_inputs ADD COLUMN genre integer`);
    await queryRunner.query(`ALTER TABLE model_inputs ADD COLUMN age integer`);
    // An integer, or a real with an integral value (JSON 40.0), as Number.isInteger sees it.
    const integer = (name: string) =>
      `CASE WHEN json_type(features, '$.${name}') IN ('integer', 'real')
         AND json_extract(features, '$.${name}') = CAST(json_extract(features, '$.${name}') AS INTEGER)
         THEN CAST(json_extract(features, '$.${name}') AS INTEGER) END`;
    await queryRunner.query(`UPDATE model_inputs SET genre = ${integer('genre')}, age = ${integer('age')}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE model_inputs DROP COLUMN age`);
    await queryRunner.query(`ALTER TABLE model_inputs DROP COLUMN genre`);
  }
}
