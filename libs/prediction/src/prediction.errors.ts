import { AttritionServiceError } from '@app/common';

/** The request DTO and the loaded model disagree on the feature names: the service must not start. */
export class FeatureMismatchError extends AttritionServiceError {}
