import { AsyncModuleOptions } from '@app/common';

export const MONITORING_OPTIONS = Symbol('monitoring:options');

export interface MonitoringModuleOptions {
  /**
   * How often the Prometheus gauges (live AUC, Brier, PSI, predicted-positive rates) are recomputed.
   * A scrape only reads the last values.
   * @default 60000
   */
  refreshIntervalMs?: number;
  /**
   * The gauges cover predictions and inputs of the last `windowDays` days.
   * @default 30
   */
  windowDays?: number;
}

export type MonitoringModuleAsyncOptions = AsyncModuleOptions<MonitoringModuleOptions>;
