import { ApiProperty } from '@nestjs/swagger';

export class TrainingGroupDto {
  @ApiProperty() n: number;
  @ApiProperty() attrition_rate: number;
  @ApiProperty() mean_probability: number;
  @ApiProperty() roc_auc: number;
  @ApiProperty({ description: 'Share flagged (predicted to leave)' }) flagged_rate: number;
  @ApiProperty() recall: number;
  @ApiProperty() precision: number;
}

export class FairnessGroupDto {
  @ApiProperty({ example: 'age 18-29' })
  group: string;

  @ApiProperty({ example: 326, description: 'Predictions for people of this group in the window' })
  n: number;

  @ApiProperty({ nullable: true, type: Number, example: 0.32, description: 'Share predicted to leave' })
  predicted_positive_rate: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 0.27 })
  mean_probability: number | null;

  @ApiProperty({ example: 326, description: 'Of them, with a recorded outcome' })
  outcomes: number;

  @ApiProperty({ example: 91 })
  leavers: number;

  @ApiProperty({ nullable: true, type: Number, description: 'True-positive rate: share of leavers flagged' })
  recall: number | null;

  @ApiProperty({ nullable: true, type: Number, description: 'False-positive rate: share of stayers flagged' })
  false_positive_rate: number | null;

  @ApiProperty({ nullable: true, type: Number })
  precision: number | null;

  @ApiProperty({ nullable: true, type: Number })
  roc_auc: number | null;

  @ApiProperty({ type: TrainingGroupDto, nullable: true, description: 'The model card figures for this group (out-of-fold, training data)' })
  training: TrainingGroupDto | null;
}

export class FairnessAttributeDto {
  @ApiProperty({ enum: ['genre', 'age'] })
  attribute: 'genre' | 'age';

  @ApiProperty({ type: [FairnessGroupDto] })
  groups: FairnessGroupDto[];

  @ApiProperty({ nullable: true, type: Number, example: 0.85, description: 'Lowest / highest predicted-positive rate among the groups' })
  disparate_impact_ratio: number | null;

  @ApiProperty({ nullable: true, type: Boolean, description: 'true when the ratio is below 0.8 (the four-fifths rule)' })
  four_fifths_flag: boolean | null;

  @ApiProperty({ nullable: true, type: Number, example: 0.1, description: 'Highest minus lowest recall among groups with leavers' })
  equal_opportunity_difference: number | null;
}

/** GET /model/fairness. */
export class FairnessReportDto {
  @ApiProperty({ example: '1.1.0' })
  model_version: string;

  @ApiProperty({ nullable: true, type: String })
  from: string | null;

  @ApiProperty({ nullable: true, type: String })
  to: string | null;

  @ApiProperty({ type: [FairnessAttributeDto] })
  attributes: FairnessAttributeDto[];

  @ApiProperty({ example: 'out-of-fold, 5 x repeated stratified 5-fold, seed 42', nullable: true, type: String })
  training_source: string | null;
}
