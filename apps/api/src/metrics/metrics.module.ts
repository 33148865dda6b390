import { Module } from '@nestjs/common';
import { getToken, makeGaugeProvider, makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { MetricsController } from './metrics.controller';
import { MODEL_INFO, ModelInfoMetric } from './model-info.metric';

/** Every request's duration by method, matched route and status (observed by http/request-observer.ts). */
export const HTTP_DURATION = 'http_request_duration_seconds';

/** GET /metrics (Prometheus, via @willsoto/nestjs-prometheus), HTTP timings and the model's identity. */
@Module({
  imports: [PrometheusModule.register({ path: '/metrics', controller: MetricsController })],
  providers: [
    makeHistogramProvider({
      name: HTTP_DURATION,
      help: 'HTTP request duration in seconds, by method, matched route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    // Every worker serves the same model: over the cluster the value stays 1, not the worker count.
    makeGaugeProvider({ name: MODEL_INFO, help: 'The served model (value is always 1)', labelNames: ['name', 'version', 'sha256'], aggregator: 'max' }),
    ModelInfoMetric,
  ],
  exports: [getToken(HTTP_DURATION)],
})
export class MetricsModule {}
