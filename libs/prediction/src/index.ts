export { PredictionModule } from './prediction.module';
export { FeatureMismatchError, BatchTooLargeError, IdempotencyKeyReusedError } from './prediction.errors';
export type { PredictionModuleOptions, PredictionModuleAsyncOptions } from './prediction.options';
export { PredictionResponseDto, PredictionWarningDto } from './prediction-response.dto';
export { CsvScoringService, CsvOutputClosedError } from './csv/csv-scoring.service';
export { CSV_CONTENT_TYPE_REQUIRED } from './csv/csv-scoring.controller';
export type { CsvScoringJob, CsvScoringSummary } from './csv/csv-scoring.service';
