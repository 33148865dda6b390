export { AttritionServiceError } from './attrition-service.error';
export { ErrorResponseDto, ErrorItemDto, badRequestBody } from './error-response.dto';
export { MicroBatcher } from './micro-batcher';
export { optionsProvider } from './module-options';
export type { AsyncModuleOptions } from './module-options';
export type { MicroBatcherOptions } from './micro-batcher';
export { YieldBudget } from './yield-budget';
export { ApiKeysModule, ApiKeyPolicy, AdminKeyGuard, PredictKeyGuard, AdminOnly, PredictKeyRequired, isLoopbackPeer } from './api-keys';
export type { ApiKeysOptions } from './api-keys';
