export { AttritionServiceError } from './attrition-service.error';
export { ErrorResponseDto, ErrorItemDto, badRequestBody } from './error-response.dto';
export { MicroBatcher } from './micro-batcher';
export { optionsProvider } from './module-options';
export { ShutdownModule, ShutdownState } from './shutdown';
export type { AsyncModuleOptions } from './module-options';
export type { MicroBatcherOptions } from './micro-batcher';
