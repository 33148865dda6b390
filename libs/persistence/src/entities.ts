import { ColumnType, EntitySchema } from 'typeorm';
import { ModelInputEntity } from './model-input.entity';
import { ModelOutcomeEntity } from './model-outcome.entity';
import { ModelOutputEntity } from './model-output.entity';

/** The drivers the service runs on. */
export type EntityDriver = 'postgres' | 'better-sqlite3';

interface DriverTypes {
  json: ColumnType;
  timestamp: ColumnType;
  now: () => string;
  /** A CHECK that a JSON column holds JSON, where the type does not say it already. */
  jsonCheck?: (table: string, column: string) => { name: string; expression: string };
}

/**
 * Everything that differs between the engines, as the migrations create it: JSON documents are
 * JSONB on PostgreSQL and checked TEXT on SQLite (`simple-json` is TEXT that TypeORM parses);
 * timestamps are TIMESTAMPTZ on PostgreSQL and UTC text on SQLite, whose default keeps milliseconds.
 */
const DRIVER_TYPES: Record<EntityDriver, DriverTypes> = {
  postgres: { json: 'jsonb', timestamp: 'timestamptz', now: () => 'now()' },
  'better-sqlite3': {
    json: 'simple-json',
    timestamp: 'datetime',
    now: () => "strftime('%Y-%m-%d %H:%M:%f', 'now')",
    jsonCheck: (table, column) => ({ name: `${table}_${column}_check`, expression: `json_valid(${column})` }),
  },
};

/**
 * The two tables as the migrations build them (columns, CHECKs, indexes, the cascading foreign
 * key), for one driver; the app and the TypeORM CLI share it (no glob paths). A test checks that
 * TypeORM's schema builder finds nothing to change after the migrations on both engines.
 */
export function entitiesFor(driver: EntityDriver): EntitySchema[] {
  const types = DRIVER_TYPES[driver];
  const jsonChecks = (table: string, ...columns: string[]) =>
    types.jsonCheck ? columns.map((column) => types.jsonCheck!(table, column)) : [];
  const createdAt = { name: 'created_at', type: types.timestamp, createDate: true, default: types.now } as const;
  const input = new EntitySchema<ModelInputEntity>({
    name: 'ModelInputEntity',
    target: ModelInputEntity,
    tableName: 'model_inputs',
    columns: {
      id: { name: 'id', type: 'int', primary: true, generated: 'increment' },
      features: { name: 'features', type: types.json },
      createdAt,
      idempotencyKey: { name: 'idempotency_key', type: 'varchar', length: 200, nullable: true },
      genre: { name: 'genre', type: 'int', nullable: true },
      age: { name: 'age', type: 'int', nullable: true },
    },
    relations: {
      outputs: { type: 'one-to-many', target: 'ModelOutputEntity', inverseSide: 'input', cascade: ['insert'] },
      outcome: { type: 'one-to-one', target: 'ModelOutcomeEntity', inverseSide: 'input' },
    },
    checks: jsonChecks('model_inputs', 'features'),
    indices: [
      // The retention purge: inputs created before a cut-off.
      { name: 'model_inputs_created_at_idx', columns: ['createdAt'] },
      // NULLs are distinct: requests without a key never conflict.
      { name: 'model_inputs_idempotency_key_idx', columns: ['idempotencyKey'], unique: true },
    ],
  });
  const output = new EntitySchema<ModelOutputEntity>({
    name: 'ModelOutputEntity',
    target: ModelOutputEntity,
    tableName: 'model_outputs',
    columns: {
      id: { name: 'id', type: 'int', primary: true, generated: 'increment' },
      prediction: { name: 'prediction', type: 'int' },
      probability: { name: 'probability', type: 'double precision', nullable: true },
      threshold: { name: 'threshold', type: 'double precision' },
      contributions: { name: 'contributions', type: types.json, nullable: true },
      modelVersion: { name: 'model_version', type: 'varchar', length: 64 },
      createdAt,
    },
    relations: {
      input: {
        type: 'many-to-one',
        target: 'ModelInputEntity',
        inverseSide: 'outputs',
        nullable: false,
        onDelete: 'CASCADE',
        joinColumn: { name: 'input_id', foreignKeyConstraintName: 'model_outputs_input_id_fkey' },
      },
    },
    checks: [
      { name: 'model_outputs_prediction_check', expression: 'prediction IN (0, 1)' },
      { name: 'model_outputs_probability_check', expression: 'probability >= 0 AND probability <= 1' },
      { name: 'model_outputs_threshold_check', expression: 'threshold >= 0 AND threshold <= 1' },
      ...jsonChecks('model_outputs', 'contributions'),
    ],
    indices: [
      // The cascade delete and every input -> outputs lookup.
      { name: 'model_outputs_input_id_idx', columns: ['input'] },
      // History filters: a date window, and one model version's predictions in id order.
      { name: 'model_outputs_created_at_idx', columns: ['createdAt'] },
      { name: 'model_outputs_model_version_id_idx', columns: ['modelVersion', 'id'] },
    ],
  });
  const outcome = new EntitySchema<ModelOutcomeEntity>({
    name: 'ModelOutcomeEntity',
    target: ModelOutcomeEntity,
    tableName: 'model_outcomes',
    columns: {
      inputId: { name: 'input_id', type: 'int', primary: true },
      left: { name: 'left', type: 'int' },
      observedAt: { name: 'observed_at', type: types.timestamp },
      recordedAt: { name: 'recorded_at', type: types.timestamp, createDate: true, default: types.now },
    },
    relations: {
      input: {
        type: 'one-to-one',
        target: 'ModelInputEntity',
        inverseSide: 'outcome',
        onDelete: 'CASCADE',
        joinColumn: { name: 'input_id', foreignKeyConstraintName: 'model_outcomes_input_id_fkey' },
      },
    },
    checks: [{ name: 'model_outcomes_left_check', expression: '"left" IN (0, 1)' }],
  });
  return [input, output, outcome];
}
