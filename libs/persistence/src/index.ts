export { PersistenceModule } from './persistence.module';
export type { PersistenceModuleOptions, PersistenceModuleAsyncOptions } from './persistence.options';
export { PredictionLogRepository } from './prediction-log.repository';
export type { NewPredictionRecord, PredictionRecord } from './prediction-log.repository';
export { DatabaseUnavailableError, PredictionNotFoundError } from './persistence.errors';
export { DEFAULT_SQLITE_PATH } from './data-source.options';
