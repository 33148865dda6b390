import { AsyncModuleOptions } from '@app/common';

export const INFERENCE_OPTIONS = Symbol('inference:options');

export interface InferenceModuleOptions {
  /** Folder holding `contract.json` and the model file it names; relative paths resolve against the working directory. */
  modelDir: string;
  /**
   * Threads onnxruntime may use inside one run.
   * @default 1
   */
  intraOpNumThreads?: number;
  /**
   * Coalesce concurrent `score` calls into one session run (one run of 32 rows costs about as
   * much as one run of 1).
   * @default true
   */
  coalesce?: boolean;
}

export type InferenceModuleAsyncOptions = AsyncModuleOptions<InferenceModuleOptions>;
