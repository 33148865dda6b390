export { InferenceModule } from './inference.module';
export type { InferenceModuleOptions, InferenceModuleAsyncOptions } from './inference.options';
export { ModelRunner } from './model-runner';
export type { FeatureRow, AttritionScore } from './model-runner';
export type {
  ModelManifest,
  FeatureSpec,
  MetricSummary,
  NumericDistribution,
  CategoryDistribution,
  TrainingFairnessGroup,
} from './model-manifest';
export { ModelArtifactError, ModelNotReadyError, InferenceFailedError } from './inference.errors';
