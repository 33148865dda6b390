import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsIn, IsInt, IsNumber, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

interface NumericFeatureOptions {
  min: number;
  max: number;
  description: string;
  example: number;
}

interface CategoryFeatureOptions {
  values: readonly string[];
  description: string;
  example: string;
}

// The type check is registered before the range checks: with `stopAtFirstError`, a string sent
// for a number is reported as a type error, not as "must not be less than".
const required = IsDefined({ message: '$property is required and must not be null' });

export function IntegerFeature({ min, max, description, example }: NumericFeatureOptions): PropertyDecorator {
  return applyDecorators(
    required,
    IsInt({ message: '$property must be an integer' }),
    Min(min),
    Max(max),
    ApiProperty({ type: 'integer', minimum: min, maximum: max, description, example }),
  );
}

export function NumberFeature({ min, max, description, example }: NumericFeatureOptions): PropertyDecorator {
  return applyDecorators(
    required,
    IsNumber({ allowNaN: false, allowInfinity: false }, { message: '$property must be a number' }),
    Min(min),
    Max(max),
    ApiProperty({ type: 'number', minimum: min, maximum: max, description, example }),
  );
}

/**
 * A category label. Labels unseen in training are accepted here (the model encodes them as
 * all zeros, and the response warns); STRICT_CATEGORIES turns them into errors, in the `strict` group.
 */
export function CategoryFeature({ values, description, example }: CategoryFeatureOptions): PropertyDecorator {
  return applyDecorators(
    required,
    IsString({ message: '$property must be a string' }),
    MinLength(1),
    MaxLength(100),
    IsIn(values, { groups: ['strict'], message: `$property must be one of: ${values.join(', ')}` }),
    // Not an `enum`: labels unseen in training are valid input (unless STRICT_CATEGORIES).
    ApiProperty({
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description:
        `${description}. Known labels: ${values.join(', ')}. Labels not seen in training are accepted with a ` +
        'warning, or rejected when STRICT_CATEGORIES=true.',
      example,
    }),
  );
}
