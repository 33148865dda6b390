import { AttritionServiceError } from '@app/common';

/** The model file or its manifest is missing, unreadable or inconsistent: the service must not start. */
export class ModelArtifactError extends AttritionServiceError {}

/** A prediction was asked for before the model finished loading, or after it was released. */
export class ModelNotReadyError extends AttritionServiceError {
  constructor() {
    super('The model is not loaded yet');
  }
}

/** onnxruntime failed on a batch; the message is for logs, never for clients. */
export class InferenceFailedError extends AttritionServiceError {}
