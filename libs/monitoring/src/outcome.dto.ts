import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsIn } from 'class-validator';
import { ErrorResponseDto, MAX_ROW_ID } from '@app/common';
import { IsRowId, IsTimestamp, TIMESTAMP_FORMATS, TimestampRange } from '@app/validation';

/** Day length, the skew allowed to an outcome date (a date is midnight UTC, ahead of UTC in the east). */
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * When an outcome may have been observed: not before 1970-01-01 (no stored person's departure is
 * older), and not more than a day ahead of the server's clock (a date is midnight UTC, which is
 * already "today" east of UTC; clocks drift). 1900-01-01 and 9999-12-31 are typing mistakes.
 */
export const OUTCOME_DATE_RANGE: TimestampRange = { earliest: new Date('1970-01-01T00:00:00.000Z'), maxAheadMs: DAY_MS };

/** Body of POST /outcomes (one outcome), and each item of the list form. */
export class RecordOutcomeDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_ROW_ID, example: 123, description: 'The stored input (`input_id` of the prediction answer)' })
  @IsRowId('number')
  input_id: number;

  @ApiProperty({ enum: [0, 1], example: 1, description: '1: the person left; 0: the person stayed' })
  @IsIn([0, 1], { message: 'left must be 0 or 1' })
  left: 0 | 1;

  @ApiProperty({
    example: '2026-06-30',
    description:
      `When the outcome was observed: ${TIMESTAMP_FORMATS}; a date is midnight UTC. ` +
      'From 1970-01-01 to 24 hours ahead of the server\'s clock.',
  })
  @IsTimestamp(OUTCOME_DATE_RANGE)
  observed_at: string;
}

/** Body of POST /outcomes in its list form. */
export class RecordOutcomesDto {
  @ApiProperty({ type: [RecordOutcomeDto], description: 'Up to 1,000 outcomes, each validated on its own' })
  @IsArray({ message: 'items must be an array' })
  @ArrayMinSize(1, { message: 'items must not be empty' })
  items: unknown[];
}

export class OutcomeResultDto {
  @ApiProperty({ example: 123 })
  input_id: number;

  @ApiProperty({ enum: [0, 1] })
  left: 0 | 1;

  @ApiProperty({ example: '2026-06-30T00:00:00.000Z' })
  observed_at: string;

  @ApiProperty({ example: '2026-07-01T09:12:00.000Z', description: 'When it was stored' })
  recorded_at: string;

  @ApiProperty({ enum: ['created', 'replaced'], description: 'replaced: the input already had an outcome, now overwritten' })
  status: 'created' | 'replaced';
}

export class OutcomeItemResultDto {
  @ApiProperty({ example: 0, description: 'Position of the item in `items`' })
  index: number;

  @ApiProperty({ enum: [200, 201, 400, 404], description: '201 created, 200 replaced, 400 invalid, 404 no such input' })
  status: 200 | 201 | 400 | 404;

  @ApiProperty({ type: OutcomeResultDto, required: false })
  result?: OutcomeResultDto;

  @ApiProperty({ type: ErrorResponseDto, required: false, description: 'The body the single form answers with' })
  error?: ErrorResponseDto;
}

export class RecordOutcomesResponseDto {
  @ApiProperty({ example: 998 })
  created: number;

  @ApiProperty({ example: 1 })
  replaced: number;

  @ApiProperty({ example: 1, description: 'Items rejected: invalid (400) or naming no stored input (404)' })
  rejected: number;

  @ApiProperty({ type: [OutcomeItemResultDto], description: 'One entry per item, in order' })
  results: OutcomeItemResultDto[];
}
