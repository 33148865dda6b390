import { ModelInputEntity } from './model-input.entity';
import { ModelOutcomeEntity } from './model-outcome.entity';
import { ModelOutputEntity } from './model-output.entity';

/** Shared by the app and the TypeORM CLI (no glob paths). */
export const ENTITIES = [ModelInputEntity, ModelOutputEntity, ModelOutcomeEntity];
