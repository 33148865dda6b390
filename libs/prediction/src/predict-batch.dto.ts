import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, IsArray } from 'class-validator';
import { ErrorResponseDto } from '@app/common';
import { PredictRequestDto } from '@app/validation';
import { PredictionResponseDto } from './prediction-response.dto';

/** Body of POST /predict/batch. Items are validated one by one, so one bad item rejects only itself. */
export class PredictBatchRequestDto {
  @ApiProperty({ type: [PredictRequestDto], description: 'Each item is a POST /predict body' })
  @IsArray({ message: 'items must be an array' })
  @ArrayMinSize(1, { message: 'items must not be empty' })
  items: unknown[];
}

export class BatchItemResultDto {
  @ApiProperty({ type: 'integer', example: 0, description: 'Position of the item in `items`' })
  index: number;

  @ApiProperty({ type: 'integer', enum: [200, 400], description: '200: predicted and stored; 400: invalid, see `error`' })
  status: 200 | 400;

  @ApiProperty({ type: PredictionResponseDto, required: false })
  result?: PredictionResponseDto;

  @ApiProperty({ type: ErrorResponseDto, required: false, description: 'The same body /predict answers with 400' })
  error?: ErrorResponseDto;
}

export class PredictBatchResponseDto {
  @ApiProperty({ type: 'integer', example: 999, description: 'Items predicted and stored (one transaction)' })
  stored: number;

  @ApiProperty({ type: 'integer', example: 1, description: 'Invalid items, not stored' })
  rejected: number;

  @ApiProperty({ type: [BatchItemResultDto], description: 'One entry per item, in order' })
  results: BatchItemResultDto[];
}
