import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsTimestamp, TIMESTAMP_FORMATS } from '@app/validation';

/** The time window of a report: predictions (or inputs) made at or after `from` and before `to`. */
export class WindowQuery {
  @ApiPropertyOptional({ description: `Only predictions made at or after this time: ${TIMESTAMP_FORMATS}`, example: '2027-01-01' })
  @IsOptional()
  @IsTimestamp()
  from?: string;

  @ApiPropertyOptional({ description: `Only predictions made before this time: ${TIMESTAMP_FORMATS}`, example: '2027-07-01' })
  @IsOptional()
  @IsTimestamp()
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
