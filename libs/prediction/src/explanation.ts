import { ApiProperty } from '@nestjs/swagger';

export class ContributionDto {
  @ApiProperty({ example: 'heure_supplementaires' })
  feature: string;

  @ApiProperty({
    example: 1,
    // OpenAPI 3.0 has no null type: each alternative is nullable (anyOf, since null matches both).
    anyOf: [{ type: 'number', nullable: true }, { type: 'string', nullable: true }],
    description: 'The value sent, for a raw feature; null for a feature the model derives itself',
  })
  value: number | string | null;

  @ApiProperty({ example: 0.71, description: 'Contribution to the log-odds of leaving (positive raises the risk)' })
  contribution: number;
}

export class ExplanationDto {
  @ApiProperty({ type: [ContributionDto], description: 'Largest contributions that raise the risk, largest first' })
  raising: ContributionDto[];

  @ApiProperty({ type: [ContributionDto], description: 'Largest contributions that lower the risk, largest first' })
  lowering: ContributionDto[];
}

/** The `top` largest positive and negative contributions, with the raw values they came from. */
export function explain(
  contributions: Record<string, number>,
  features: Record<string, number | string>,
  top = 5,
): ExplanationDto {
  const all = Object.entries(contributions).map(([feature, contribution]) => ({
    feature,
    value: feature in features ? features[feature] : null,
    contribution,
  }));
  return {
    raising: all.filter((c) => c.contribution > 0).sort((a, b) => b.contribution - a.contribution).slice(0, top),
    lowering: all.filter((c) => c.contribution < 0).sort((a, b) => a.contribution - b.contribution).slice(0, top),
  };
}
