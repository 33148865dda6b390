import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { optionsProvider } from '@app/common';
import { buildDataSourceOptions } from './data-source.options';
import { DatabaseWriteHealth } from './database-write-health';
import { runMigrations } from './migration-runner';
import { MigrationFailedError } from './persistence.errors';
import { MonitoringRepository } from './monitoring.repository';
import { PredictionLogRepository } from './prediction-log.repository';
import { RetentionService } from './retention.service';
import { PersistenceMetrics, persistenceMetricProviders } from './persistence.metrics';
import { PERSISTENCE_OPTIONS, PersistenceModuleAsyncOptions, PersistenceModuleOptions } from './persistence.options';
import { TypeOrmMonitoringRepository } from './typeorm-monitoring.repository';
import { TypeOrmPredictionLogRepository } from './typeorm-prediction-log.repository';

/** Owns the database connection, entities and migrations; exports the PredictionLogRepository and MonitoringRepository ports. */
@Module({})
export class PersistenceModule {
  static forRootAsync(options: PersistenceModuleAsyncOptions): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      imports: [
        ...(options.imports ?? []),
        TypeOrmModule.forRootAsync({
          imports: options.imports ?? [],
          inject: options.inject ?? [],
          useFactory: async (...args: unknown[]) => {
            const settings: PersistenceModuleOptions = await options.useFactory(...args);
            return {
              ...buildDataSourceOptions(settings),
              retryAttempts: settings.retryAttempts ?? 5,
              retryDelay: 2000,
              // An unreachable database is worth retrying (with its message); a failed migration is not.
              verboseRetryLog: true,
              toRetry: (error: unknown) => !(error instanceof MigrationFailedError),
            };
          },
          dataSourceFactory: async (dataSourceOptions?: DataSourceOptions) => {
            if (dataSourceOptions!.migrationsRun) await runMigrations(dataSourceOptions!);
            return new DataSource({ ...dataSourceOptions!, migrationsRun: false });
          },
        }),
      ],
      providers: [
        optionsProvider(PERSISTENCE_OPTIONS, options),
        { provide: PredictionLogRepository, useClass: TypeOrmPredictionLogRepository },
        DatabaseWriteHealth,
        RetentionService,
        PersistenceMetrics,
        ...persistenceMetricProviders,
        { provide: MonitoringRepository, useClass: TypeOrmMonitoringRepository },
      ],
      exports: [PredictionLogRepository, DatabaseWriteHealth, RetentionService, MonitoringRepository],
    };
  }
}
