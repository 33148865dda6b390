export { ValidationModule } from './validation.module';
export type { ValidationModuleAsyncOptions } from './validation.module';
export { RequestValidator } from './request-validator';
export { AttritionFeaturesDto, FEATURE_NAMES } from './attrition-features.dto';
export { PredictRequestDto } from './predict-request.dto';
export { FeatureMapper } from './feature-mapper';
export type { MappedFeatures, RawFeatures } from './feature-mapper';
export { FeatureValidationError } from './feature-validation.error';
export type { FeatureProblem } from './feature-validation.error';
export type { FeatureValidationOptions } from './validation-pipe.factory';
export { LEGACY_DERIVED_FEATURES, STATUT_MARITAL, DEPARTEMENT, POSTE, DOMAINE_ETUDE } from './feature-vocabulary';
export { EXAMPLE_EMPLOYEE_LIKELY_TO_STAY, EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE } from './examples';
export { inspectRequestShape } from './request-shape';
export { IsRowId, parseRowId, rowIdProblem } from './row-id';
export type { RowIdForm, RowIdProblem } from './row-id';
export {
  EARLIEST_TIMESTAMP,
  IsTimestamp,
  LATEST_TIMESTAMP,
  TIMESTAMP_FORMATS,
  parseTimestamp,
  timestampProblem,
  toTimestamp,
} from './timestamp';
export type { TimestampProblem, TimestampRange } from './timestamp';
