export { PersistenceModule } from './persistence.module';
export type { PersistenceModuleOptions, PersistenceModuleAsyncOptions } from './persistence.options';
export { PredictionLogRepository } from './prediction-log.repository';
export type { NewPredictionRecord, PredictionRecord, PredictionQuery } from './prediction-log.repository';
export { MonitoringRepository } from './monitoring.repository';
export type {
  NewOutcome,
  OutcomeRecord,
  OutcomeWrite,
  PredictionWindow,
  FeatureGroups,
  PredictionSums,
  RankSums,
  ProbabilityBucket,
  HistogramSpec,
  InputHistogram,
} from './monitoring.repository';
export { DatabaseUnavailableError, InputNotFoundError, PredictionNotFoundError } from './persistence.errors';
