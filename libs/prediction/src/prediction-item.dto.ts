import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AttritionFeaturesDto } from '@app/validation';
import { ExplanationDto } from './explanation';

/** The observed outcome of the input a prediction was made from (POST /outcomes). */
export class OutcomeDto {
  @ApiProperty({ enum: [0, 1], description: '1: the person left; 0: stayed' })
  left: 0 | 1;

  @ApiProperty({ example: '2027-06-30T00:00:00.000Z' })
  observed_at: string;

  @ApiProperty({ example: '2027-07-01T09:12:00.000Z', description: 'When it was stored or last replaced' })
  recorded_at: string;
}

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

  @ApiProperty({ type: OutcomeDto, nullable: true, description: 'What really happened, once recorded; null until then' })
  outcome: OutcomeDto | null;

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
