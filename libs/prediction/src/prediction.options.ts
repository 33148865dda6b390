import { AsyncModuleOptions } from '@app/common';

export const PREDICTION_OPTIONS = Symbol('prediction:options');

export interface PredictionModuleOptions {
  /**
   * Most items in one POST /predict/batch; more is a 413.
   * @default 1000
   */
  maxBatchItems?: number;
}

export type PredictionModuleAsyncOptions = AsyncModuleOptions<PredictionModuleOptions>;
