import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { AttritionFeaturesDto } from './attrition-features.dto';

/** Body of `POST /predict`, as the original service's clients send it. */
export class PredictRequestDto {
  @ApiProperty({
    type: AttritionFeaturesDto,
    description:
      'The 27 raw HR facts. Derived features that older clients compute (taux_volatilite, ...) and other ' +
      'unknown keys are accepted, ignored and named in `warnings`.',
  })
  @IsDefined({ message: 'features is required and must be an object' })
  @IsObject({ message: 'features must be an object' })
  @ValidateNested()
  @Type(() => AttritionFeaturesDto)
  features: AttritionFeaturesDto;

  @ApiPropertyOptional({ description: 'Return the top contributions to the risk', default: false })
  @IsOptional()
  @IsBoolean({ message: 'explain must be a boolean' })
  explain?: boolean;
}
