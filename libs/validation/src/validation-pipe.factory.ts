import { ValidationError, ValidationPipe } from '@nestjs/common';
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
export function createValidationPipe({ strictCategories = false }: FeatureValidationOptions = {}): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    whitelist: false,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    ...(strictCategories ? { groups: ['strict'], always: true } : { strictGroups: true }),
    exceptionFactory: (errors) => new FeatureValidationError(flatten(errors)),
  });
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
