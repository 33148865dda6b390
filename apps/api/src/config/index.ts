import { AppConfig } from './app.config';
import { PersistenceModuleOptions } from '@app/persistence';
import { InferenceModuleOptions } from '@app/inference';
import { MonitoringModuleOptions } from '@app/monitoring';

export { appConfig, enabledLogLevels } from './app.config';
export { databaseConfig } from './database.config';
export { inferenceConfig } from './inference.config';
export { monitoringConfig } from './monitoring.config';

export interface AllConfig {
  app: AppConfig;
  database: PersistenceModuleOptions;
  inference: InferenceModuleOptions;
  monitoring: MonitoringModuleOptions;
}
