import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ExplanationDto } from './explanation';

export type WarningType = 'ignored_derived_feature' | 'unknown_feature' | 'unknown_category' | 'outside_training_range';

export class PredictionWarningDto {
  @ApiProperty({ example: 'taux_volatilite' })
  feature: string;

  @ApiProperty({ enum: ['ignored_derived_feature', 'unknown_feature', 'unknown_category', 'outside_training_range'] })
  type: WarningType;

  @ApiProperty({ example: 'taux_volatilite is computed by the model from the raw features; the value sent was ignored' })
  message: string;
}

export class PredictionResponseDto {
  @ApiProperty({ type: 'integer', enum: [0, 1], example: 1, description: '1 when the employee is likely to leave (probability >= threshold)' })
  prediction: 0 | 1;

  @ApiProperty({ example: 0.7963, minimum: 0, maximum: 1, description: 'Probability of leaving' })
  probability: number;

  @ApiProperty({ type: 'integer', example: 1042, description: 'Id of the stored prediction (model_outputs.id)' })
  id: number;

  @ApiProperty({ type: 'integer', example: 1042, description: 'Id of the stored features (model_inputs.id)' })
  input_id: number;

  @ApiProperty({ example: '1.0.0' })
  model_version: string;

  @ApiProperty({ example: 0.32, description: 'Decision threshold of this model version' })
  threshold: number;

  @ApiProperty({ type: [PredictionWarningDto], description: 'Empty when there is nothing to say' })
  warnings: PredictionWarningDto[];

  @ApiPropertyOptional({ type: ExplanationDto, description: 'Present when the request asked for `explain: true`' })
  explanation?: ExplanationDto;
}
