import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AttritionFeaturesDto } from '@app/validation';
import { ExplanationDto } from './explanation';

/** One stored prediction, as the history endpoints show it. */
export class PredictionItemDto {
  @ApiProperty({ type: 'integer', example: 1042, description: 'model_outputs.id' })
  id: number;

  @ApiProperty({ type: 'integer', example: 1042, description: 'model_inputs.id' })
  input_id: number;

  @ApiProperty({ type: AttritionFeaturesDto, description: 'The validated raw features, as stored' })
  features: Record<string, number | string>;

  @ApiProperty({ type: 'integer', enum: [0, 1] })
  prediction: 0 | 1;

  @ApiProperty({ example: 0.7963 })
  probability: number;

  @ApiProperty({ example: 0.32 })
  threshold: number;

  @ApiProperty({ example: '1.0.0' })
  model_version: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-29T17:40:00.000Z' })
  created_at: string;

  @ApiPropertyOptional({
    type: ExplanationDto,
    nullable: true,
    description: 'GET /predictions/:id only: why, from the contributions stored with the prediction (null before they were stored)',
  })
  explanation?: ExplanationDto | null;
}

export class PredictionPageDto {
  @ApiProperty({ type: [PredictionItemDto] })
  items: PredictionItemDto[];

  @ApiProperty({ nullable: true, type: String, example: '993', description: 'Pass as `cursor` for the next page; null on the last page' })
  next_cursor: string | null;
}
