export { PredictionModule } from './prediction.module';
export { FeatureMismatchError, BatchTooLargeError } from './prediction.errors';
export type { PredictionModuleOptions, PredictionModuleAsyncOptions } from './prediction.options';
export { PredictionResponseDto, PredictionWarningDto } from './prediction-response.dto';
export { AdminOnly } from './admin-key.guard';
