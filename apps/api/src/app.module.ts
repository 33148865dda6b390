import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ApiKeysModule } from '@app/common';
import { HealthModule } from '@app/health';
import { InferenceModule } from '@app/inference';
import { MonitoringModule } from '@app/monitoring';
import { PersistenceModule } from '@app/persistence';
import { PredictionModule } from '@app/prediction';
import { ValidationModule } from '@app/validation';
import { AllConfig, appConfig, consoleConfig, databaseConfig, httpConfig, inferenceConfig, monitoringConfig } from './config';
import { RateLimitModule } from './http/rate-limits';
import { LoggingModule } from './logging/logging';
import { MetricsModule } from './metrics/metrics.module';

/** Composes the libraries; the only place that turns configuration into their options. */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      load: [appConfig, httpConfig, databaseConfig, inferenceConfig, consoleConfig, monitoringConfig],
    }),
    InferenceModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => config.getOrThrow('inference', { infer: true }),
    }),
    PersistenceModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => config.getOrThrow('database', { infer: true }),
    }),
    ValidationModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => ({
        strictCategories: config.getOrThrow('app.strictCategories', { infer: true }),
      }),
    }),
    PredictionModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => ({
        maxBatchItems: config.getOrThrow('app.batchMaxItems', { infer: true }),
      }),
    }),
    ApiKeysModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => ({
        adminApiKeys: config.getOrThrow('app.adminApiKeys', { infer: true }),
        predictApiKeys: config.getOrThrow('app.predictApiKeys', { infer: true }),
      }),
    }),
    MonitoringModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => config.getOrThrow('monitoring', { infer: true }),
    }),
    LoggingModule,
    HealthModule,
    MetricsModule,
    RateLimitModule,
  ],
})
export class AppModule {}
