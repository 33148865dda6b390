import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthModule } from '@app/health';
import { MonitoringModule } from '@app/monitoring';
import { AllConfig } from './config';
import { CsvJobLimitModule } from './http/csv-job-limits';
import { RateLimitModule } from './http/rate-limits';
import { RequestObserverModule } from './http/request-observer';
import { LoggingModule } from './logging/logging';
import { MetricsModule } from './metrics/metrics.module';
import { ScoringModule } from './scoring.module';

/** Composes the libraries; with ScoringModule, the only place that turns configuration into their options. */
@Module({
  imports: [
    ScoringModule,
    MonitoringModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => config.getOrThrow('monitoring', { infer: true }),
    }),
    LoggingModule,
    HealthModule,
    MetricsModule,
    RateLimitModule,
    CsvJobLimitModule,
    RequestObserverModule,
  ],
})
export class AppModule {}
