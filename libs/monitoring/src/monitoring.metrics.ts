import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Gauge } from 'prom-client';
import { MONITORING_OPTIONS, MonitoringModuleOptions } from './monitoring.options';
import { MonitoringService } from './monitoring.service';

export const LIVE_ROC_AUC = 'attrition_live_roc_auc';
export const LIVE_BRIER = 'attrition_live_brier';
export const DRIFT_PSI = 'attrition_drift_psi';
export const PREDICTED_POSITIVE_RATE = 'attrition_predicted_positive_rate';

const DAY_MS = 86_400_000;

/**
 * Recomputes the monitoring gauges on a timer, so a scrape only reads stored values and never
 * runs a query. A gauge without a trustworthy value (too few outcomes or inputs) is removed
 * rather than left stale. Refreshes never overlap.
 */
@Injectable()
export class MonitoringMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MonitoringMetrics.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly monitoring: MonitoringService,
    @Inject(MONITORING_OPTIONS) private readonly options: MonitoringModuleOptions,
    @InjectMetric(LIVE_ROC_AUC) private readonly auc: Gauge<'model_version'>,
    @InjectMetric(LIVE_BRIER) private readonly brier: Gauge<'model_version'>,
    @InjectMetric(DRIFT_PSI) private readonly psi: Gauge<'feature'>,
    @InjectMetric(PREDICTED_POSITIVE_RATE) private readonly positiveRate: Gauge<'attribute' | 'group'>,
  ) {}

  onApplicationBootstrap(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.refreshIntervalMs ?? 60_000);
    this.timer.unref();
  }

  /** Stops refreshing and removes the values: a closed application must not leave numbers behind. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    this.reset();
  }

  /** One refresh, unless the previous one is still running. */
  tick(): Promise<void> {
    this.running ??= this.refresh()
      .catch((error: unknown) => this.logger.warn(`Monitoring gauges not refreshed: ${(error as Error).message}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async refresh(): Promise<void> {
    const to = new Date();
    const window = { from: new Date(to.getTime() - (this.options.windowDays ?? 30) * DAY_MS).toISOString() };
    // One after another: each report is a scan, and they would only compete for the same cores.
    const performance = await this.monitoring.performance(window);
    const drift = await this.monitoring.drift(window);
    const fairness = await this.monitoring.fairness(window);
    this.reset();
    const version = { model_version: performance.model_version };
    if (performance.roc_auc) this.auc.set(version, performance.roc_auc.value);
    if (performance.brier !== null) this.brier.set(version, performance.brier);
    for (const f of drift.features) this.psi.set({ feature: f.feature }, f.psi);
    for (const { attribute, groups } of fairness.attributes) {
      for (const g of groups) if (g.predicted_positive_rate !== null) this.positiveRate.set({ attribute, group: g.group }, g.predicted_positive_rate);
    }
  }

  private reset(): void {
    this.auc.reset();
    this.brier.reset();
    this.psi.reset();
    this.positiveRate.reset();
  }
}
