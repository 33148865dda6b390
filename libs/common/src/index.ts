export { AttritionServiceError } from './attrition-service.error';
export { ErrorResponseDto, ErrorItemDto, badRequestBody } from './error-response.dto';
export { MicroBatcher } from './micro-batcher';
export type { MicroBatcherOptions } from './micro-batcher';
