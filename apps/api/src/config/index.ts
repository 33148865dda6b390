import { AppConfig } from './app.config';
import { ConsoleConfig } from './console.config';
import { HttpConfig } from './http.config';
import { PersistenceModuleOptions } from '@app/persistence';
import { InferenceModuleOptions } from '@app/inference';
import { MonitoringModuleOptions } from '@app/monitoring';

export { appConfig } from './app.config';
export type { LogLevelName } from './app.config';
export { consoleConfig } from './console.config';
export { databaseConfig } from './database.config';
export { httpConfig } from './http.config';
export { inferenceConfig } from './inference.config';
export { monitoringConfig } from './monitoring.config';

export interface AllConfig {
  app: AppConfig;
  http: HttpConfig;
  database: PersistenceModuleOptions;
  inference: InferenceModuleOptions;
  console: ConsoleConfig;
  monitoring: MonitoringModuleOptions;
}
