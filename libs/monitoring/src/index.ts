export { MonitoringModule } from './monitoring.module';
export type { MonitoringModuleOptions, MonitoringModuleAsyncOptions } from './monitoring.options';
export { PerformanceReportDto } from './performance-report.dto';
export { DriftReportDto } from './drift-report.dto';
export { FairnessReportDto } from './fairness-report.dto';
