import { ApiProperty } from '@nestjs/swagger';
import { ErrorResponseDto } from '@app/common';
import { PredictRequestDto } from '@app/validation';
import { PredictionResponseDto } from './prediction-response.dto';

/**
 * Body of POST /predict/batch (for the OpenAPI document: PredictionService checks the envelope and
 * validates the items one by one, so one bad item rejects only itself).
 */
export class PredictBatchRequestDto {
  @ApiProperty({ type: [PredictRequestDto], minItems: 1, description: 'Each item is a POST /predict body' })
  items: unknown[];
}

export class BatchItemResultDto {
  @ApiProperty({ example: 0, description: 'Position of the item in `items`' })
  index: number;

  @ApiProperty({ enum: [200, 400], description: '200: predicted and stored; 400: invalid, see `error`' })
  status: 200 | 400;

  @ApiProperty({ type: PredictionResponseDto, required: false })
  result?: PredictionResponseDto;

  @ApiProperty({ type: ErrorResponseDto, required: false, description: 'The same body /predict answers with 400' })
  error?: ErrorResponseDto;
}

export class PredictBatchResponseDto {
  @ApiProperty({ example: 999, description: 'Items predicted and stored (one transaction)' })
  stored: number;

  @ApiProperty({ example: 1, description: 'Invalid items, not stored' })
  rejected: number;

  @ApiProperty({ type: [BatchItemResultDto], description: 'One entry per item, in order' })
  results: BatchItemResultDto[];
}
