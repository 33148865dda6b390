import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorResponseDto } from '@app/common';
import { PredictRequestDto } from '@app/validation';
import { PredictionResponseDto } from './prediction-response.dto';

/**
 * Body of POST /predict/batch (for the OpenAPI document: PredictionService checks the envelope and
 * validates the items one by one, so one bad item rejects only itself).
 */
export class PredictBatchRequestDto {
  @ApiProperty({
    type: [PredictRequestDto],
    minItems: 1,
    description:
      'Each item is a POST /predict body, with an optional `idempotency_key` of its own (8-128 characters: letters, ' +
      'digits, `. _ : -`); without one, an item\'s key is `<Idempotency-Key>#<index>` when the header is sent',
  })
  items: unknown[];
}

export class BatchItemResultDto {
  @ApiProperty({ type: 'integer', example: 0, description: 'Position of the item in `items`' })
  index: number;

  @ApiProperty({
    type: 'integer',
    enum: [200, 400, 422, 500],
    description:
      '200: predicted and stored (or stored before, see `replayed`); 400: invalid, see `error`; 422: its idempotency ' +
      'key was used for other features; 500: the database refused this item (a bug; the other items are stored)',
  })
  status: 200 | 400 | 422 | 500;

  @ApiPropertyOptional({
    example: true,
    description: 'Present and true when the item\'s idempotency key was stored before: `result` is the stored answer, nothing new was stored',
  })
  replayed?: boolean;

  @ApiProperty({ type: PredictionResponseDto, required: false })
  result?: PredictionResponseDto;

  @ApiProperty({ type: ErrorResponseDto, required: false, description: 'The error body /predict would answer with' })
  error?: ErrorResponseDto;
}

export class PredictBatchResponseDto {
  @ApiProperty({
    type: 'integer',
    example: 999,
    description: 'Items predicted and stored by this request (one transaction); replayed items are counted in `replayed`, not here',
  })
  stored: number;

  @ApiProperty({
    type: 'integer',
    example: 0,
    description:
      'Items answered 200 with the answer stored earlier under their idempotency key (`replayed: true`); nothing new was ' +
      'stored for them. `stored + replayed + rejected` is the number of items',
  })
  replayed: number;

  @ApiProperty({ type: 'integer', example: 1, description: 'Items not stored (status 400, 422 or 500)' })
  rejected: number;

  @ApiProperty({ type: [BatchItemResultDto], description: 'One entry per item, in order' })
  results: BatchItemResultDto[];
}
