import { DynamicModule, Module } from '@nestjs/common';
import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { optionsProvider } from '@app/common';
import { ModelMonitoringController } from './model-monitoring.controller';
import { DRIFT_PSI, LIVE_BRIER, LIVE_ROC_AUC, MonitoringMetrics, PREDICTED_POSITIVE_RATE } from './monitoring.metrics';
import { MONITORING_OPTIONS, MonitoringModuleAsyncOptions } from './monitoring.options';
import { MonitoringService } from './monitoring.service';
import { OutcomesController } from './outcomes.controller';
import { OutcomesService } from './outcomes.service';

/**
 * Outcomes (POST /outcomes) and live monitoring (GET /model/performance, /model/drift,
 * /model/fairness, Prometheus gauges). MonitoringRepository, ModelRunner, RequestValidator and the
 * admin-key guard come from the global Persistence, Inference, Validation and Prediction modules.
 */
@Module({})
export class MonitoringModule {
  static forRootAsync(options: MonitoringModuleAsyncOptions): DynamicModule {
    return {
      module: MonitoringModule,
      imports: options.imports ?? [],
      controllers: [OutcomesController, ModelMonitoringController],
      providers: [
        optionsProvider(MONITORING_OPTIONS, options),
        OutcomesService,
        MonitoringService,
        MonitoringMetrics,
        // Every cluster worker computes these gauges from the same database: a scrape shows one value, not their sum.
        makeGaugeProvider({
          name: LIVE_ROC_AUC,
          help: 'ROC AUC of the served model on predictions with an outcome, over the monitoring window',
          labelNames: ['model_version'],
          aggregator: 'average',
        }),
        makeGaugeProvider({
          name: LIVE_BRIER,
          help: 'Brier score of the served model on predictions with an outcome, over the monitoring window',
          labelNames: ['model_version'],
          aggregator: 'average',
        }),
        makeGaugeProvider({
          name: DRIFT_PSI,
          help: 'Population Stability Index of live inputs against training, by feature',
          labelNames: ['feature'],
          aggregator: 'average',
        }),
        makeGaugeProvider({
          name: PREDICTED_POSITIVE_RATE,
          help: 'Share of predictions flagged as likely to leave, by audited group',
          labelNames: ['attribute', 'group'],
          aggregator: 'average',
        }),
      ],
    };
  }
}
