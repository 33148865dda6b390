export { PersistenceModule } from './persistence.module';
export type { PersistenceModuleOptions, PersistenceModuleAsyncOptions } from './persistence.options';
export { MAX_ROW_ID, PredictionLogRepository } from './prediction-log.repository';
export { DatabaseWriteHealth } from './database-write-health';
export type {
  NewPredictionRecord,
  PredictionQuery,
  PredictionRecord,
  RecordOutcome,
  StoredPrediction,
} from './prediction-log.repository';
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
  GroupAggregates,
  PerformanceAggregates,
  HistogramSpec,
  InputHistogram,
} from './monitoring.repository';
export { DatabaseUnavailableError, InputNotFoundError, PredictionNotFoundError } from './persistence.errors';
export type { WriteOutcome } from './persistence.errors';
export { RetentionService } from './retention.service';
// Every PostgreSQL connection of the service (a future LISTEN connection too) is made with these.
export { postgresPoolConfig } from './data-source.options';
export { SupervisedPgClient } from './supervised-pg-client';
