import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { POSITIVE_ID } from './parse-id.pipe';

// Query strings are text: "" must not become 0 and "1,2" must not become a number.
const toNumber = () => Transform(({ value }) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN));

export const MAX_PAGE_SIZE = 500;

/** Filters of GET /predictions and GET /predictions/export.csv. */
export class ListPredictionsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50, description: 'Page size (ignored by the CSV export)' })
  @IsOptional()
  @toNumber()
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page', example: '1042' })
  @IsOptional()
  @IsString()
  @Matches(POSITIVE_ID, { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ description: 'Only predictions made at or after this ISO 8601 time', example: '2026-11-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date or date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'Only predictions made before this ISO 8601 time', example: '2026-12-01' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date or date-time' })
  to?: string;

  @ApiPropertyOptional({ enum: [0, 1] })
  @IsOptional()
  @toNumber()
  @IsIn([0, 1], { message: 'prediction must be 0 or 1' })
  prediction?: 0 | 1;

  @ApiPropertyOptional({ example: '1.0.0' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  model_version?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, example: 0.5 })
  @IsOptional()
  @toNumber()
  @IsNumber({ allowNaN: false }, { message: 'min_probability must be a number' })
  @Min(0)
  @Max(1)
  min_probability?: number;
}
