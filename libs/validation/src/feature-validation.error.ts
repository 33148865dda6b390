import { AttritionServiceError } from '@app/common';

/** One problem with a request: which feature, which rule, and a sentence a person can act on. */
export interface FeatureProblem {
  feature: string;
  constraint: string;
  message: string;
}

/** The request's features are invalid; carries every problem found, not just the first. */
export class FeatureValidationError extends AttritionServiceError {
  constructor(readonly problems: FeatureProblem[]) {
    super(`Invalid request: ${problems.map((p) => p.message).join('; ')}`);
  }
}
