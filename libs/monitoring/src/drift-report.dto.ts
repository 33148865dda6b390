import { ApiProperty } from '@nestjs/swagger';

export class FeatureDriftDto {
  @ApiProperty({ example: 'age' })
  feature: string;

  @ApiProperty({ enum: ['numeric', 'category'] })
  type: 'numeric' | 'category';

  @ApiProperty({ example: 0.03, description: 'Population Stability Index of live inputs against training' })
  psi: number;

  @ApiProperty({ enum: ['stable', 'moderate', 'shifted'], description: 'PSI < 0.1 stable, 0.1-0.25 moderate, > 0.25 shifted' })
  band: 'stable' | 'moderate' | 'shifted';

  @ApiProperty({ nullable: true, type: Number, example: 0, description: 'Numbers: share of values outside the training range; null for categories' })
  outside_training_range: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 0, description: 'Categories: share of labels never seen in training; null for numbers' })
  unseen_categories: number | null;

  @ApiProperty({ type: [Number], description: 'Share of live inputs per bin (numbers: the training deciles; categories: the training labels, sorted)' })
  live: number[];

  @ApiProperty({ type: [Number], description: 'Share of training rows in the same bins' })
  training: number[];
}

/** GET /model/drift. */
export class DriftReportDto {
  @ApiProperty({ nullable: true, type: String })
  from: string | null;

  @ApiProperty({ nullable: true, type: String })
  to: string | null;

  @ApiProperty({ example: 1470, description: 'Inputs received in the window' })
  inputs: number;

  @ApiProperty({
    enum: ['stable', 'moderate', 'shifted', 'insufficient_data'],
    description: 'The worst band over all features; insufficient_data under 50 inputs',
  })
  status: 'stable' | 'moderate' | 'shifted' | 'insufficient_data';

  @ApiProperty({ example: 'age and heure_supplementaires shifted (PSI > 0.25); 25 features stable' })
  summary: string;

  @ApiProperty({ type: [String], example: ['age', 'heure_supplementaires'] })
  shifted: string[];

  @ApiProperty({ type: [String], example: [] })
  moderate: string[];

  @ApiProperty({ type: [FeatureDriftDto], description: 'Every raw feature, largest PSI first' })
  features: FeatureDriftDto[];
}
