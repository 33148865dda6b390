export { AttritionServiceError } from './attrition-service.error';
export { ErrorResponseDto, ErrorItemDto } from './error-response.dto';
