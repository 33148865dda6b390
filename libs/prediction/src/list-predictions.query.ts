import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, Matches, Max, Min, ValidateBy, ValidationOptions } from 'class-validator';
import { IsRowId, IsTimestamp } from '@app/validation';

export const MAX_PAGE_SIZE = 500;

// Query strings are text: "" must not become 0 and "1,2" must not become a number. A repeated
// parameter arrives as an array and stays one, so that it is reported as repeated.
const toNumber = () =>
  Transform(({ value }) => (Array.isArray(value) ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN));

/** The parameter was given once (Express turns `?a=1&a=2` into an array). */
const Once = (options?: ValidationOptions) =>
  ValidateBy({ name: 'once', validator: { validate: (v) => !Array.isArray(v), defaultMessage: (a) => `${a?.property} must be given once` } }, options);

// Dates and ids are read by the one parser of each (@app/validation): the accepted forms are listed there.
const Timestamp = () => applyDecorators(IsOptional(), Once(), IsTimestamp());

/** Filters of GET /predictions and GET /predictions/export.csv. Each check is listed in the order it runs. */
export class ListPredictionsQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 50, description: 'Page size (ignored by the CSV export)' })
  @(applyDecorators(IsOptional(), toNumber(), Once(), IsInt({ message: 'limit must be an integer' }), Min(1), Max(MAX_PAGE_SIZE)))
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page', example: '1042' })
  @(applyDecorators(
    IsOptional(),
    Once(),
    IsRowId('text', { message: 'cursor must be the next_cursor of a previous page' }),
  ))
  cursor?: string;

  @ApiPropertyOptional({ description: 'Only predictions made at or after this time (ISO 8601)', example: '2026-11-01T00:00:00Z' })
  @Timestamp()
  from?: string;

  @ApiPropertyOptional({ description: 'Only predictions made before this time (ISO 8601)', example: '2026-12-01' })
  @Timestamp()
  to?: string;

  @ApiPropertyOptional({ type: 'integer', enum: [0, 1] })
  @(applyDecorators(IsOptional(), toNumber(), Once(), IsIn([0, 1], { message: 'prediction must be 0 or 1' })))
  prediction?: 0 | 1;

  @ApiPropertyOptional({ example: '1.0.0' })
  @(applyDecorators(
    IsOptional(),
    Once(),
    Matches(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, { message: 'model_version must be a version such as 1.0.0 (letters, digits, . _ + -)' }),
  ))
  model_version?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, example: 0.5 })
  @(applyDecorators(
    IsOptional(),
    toNumber(),
    Once(),
    IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'min_probability must be a number' }),
    Min(0),
    Max(1),
  ))
  min_probability?: number;
}
