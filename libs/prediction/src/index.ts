export { PredictionModule } from './prediction.module';
export { FeatureMismatchError } from './prediction.errors';
export { PredictionResponseDto, PredictionWarningDto } from './prediction-response.dto';
