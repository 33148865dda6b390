import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';

/** The time window of a report: predictions (or inputs) made at or after `from` and before `to`. */
export class WindowQuery {
  @ApiPropertyOptional({ description: 'Only predictions made at or after this ISO 8601 time', example: '2027-01-01' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date or date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'Only predictions made before this ISO 8601 time', example: '2027-07-01' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date or date-time' })
  to?: string;
}

/** A window and a model version (default: the served model's). */
export class VersionedWindowQuery extends WindowQuery {
  @ApiPropertyOptional({ description: "Model version whose predictions to judge; default: the served model's", example: '1.1.0' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  model_version?: string;
}
