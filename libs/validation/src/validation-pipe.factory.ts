import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidatorOptions } from 'class-validator';
import { FeatureProblem, FeatureValidationError } from './feature-validation.error';

export interface FeatureValidationOptions {
  /**
   * Reject category labels not seen in training instead of predicting with a warning.
   * @default false
   */
  strictCategories?: boolean;
}

/**
 * The global ValidationPipe: no implicit type conversion (a string is never a number), every
 * problem reported at once (first failing rule per field), unknown keys kept so the service can
 * name them in warnings. Strict category checks live in the `strict` validation group.
 */
export function createValidationPipe(options: FeatureValidationOptions = {}): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    ...validatorOptionsFor(options),
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new FeatureValidationError(flatten(errors)),
  });
}

/** The class-validator options of the pipe, which the compiled validator also follows. */
export function validatorOptionsFor({ strictCategories = false }: FeatureValidationOptions = {}): ValidatorOptions {
  return {
    whitelist: false,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    ...(strictCategories ? { groups: ['strict'], always: true } : { strictGroups: true }),
  };
}

/** Nested class-validator errors -> one FeatureProblem per failing rule, named by the leaf field. */
export function flatten(errors: ValidationError[]): FeatureProblem[] {
  const problems: FeatureProblem[] = [];
  const visit = (error: ValidationError) => {
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      problems.push({ feature: error.property, constraint, message });
    }
    error.children?.forEach(visit);
  };
  errors.forEach(visit);
  return problems;
}
