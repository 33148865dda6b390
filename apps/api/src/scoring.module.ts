import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ApiKeysModule } from '@app/common';
import { InferenceModule } from '@app/inference';
import { PersistenceModule } from '@app/persistence';
import { PredictionModule } from '@app/prediction';
import { ValidationModule } from '@app/validation';
import { AllConfig, appConfig, consoleConfig, databaseConfig, httpConfig, inferenceConfig, monitoringConfig } from './config';

/**
 * The modules that validate, score and store, configured from the environment: the core of
 * AppModule, and all that `npm run score` boots (an application context, no HTTP server).
 */
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
        proxyTrusted: config.getOrThrow('http.trustProxy', { infer: true }) !== false,
      }),
    }),
  ],
  exports: [PredictionModule],
})
export class ScoringModule {}
