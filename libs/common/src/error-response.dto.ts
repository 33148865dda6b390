import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorItemDto {
  @ApiProperty({ example: 'age', description: 'The feature (or request part) at fault' })
  feature: string;

  @ApiProperty({ example: 'min', description: 'The rule that failed' })
  constraint: string;

  @ApiProperty({ example: 'age must not be less than 18' })
  message: string;
}

/** The one body shape of every error response. */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({
    example: 'Invalid request: age must not be less than 18; poste must be a string',
    description: 'One human-readable sentence naming every problem',
  })
  detail: string;

  @ApiPropertyOptional({ type: [ErrorItemDto], description: 'One entry per problem, for validation errors' })
  errors?: ErrorItemDto[];

  @ApiPropertyOptional({
    example: '5f0c6d1e-8a3b-4c52-9a51-0b8e2f4d7c13',
    description: 'The id of the request (its X-Request-Id, or one the server made), as in the logs; on every error answer',
  })
  request_id?: string;
}

/** The 400 body of a validation failure, shared by the error filter and per-item batch results. */
export function badRequestBody(detail: string, errors: ErrorItemDto[]): ErrorResponseDto {
  return { statusCode: 400, error: 'Bad Request', detail, errors };
}
