import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MonitoringModuleOptions } from '@app/monitoring';
import { validateEnv } from './validate-env';

class MonitoringEnv {
  @IsOptional() @IsInt() @Min(1) @Max(86400)
  MONITORING_REFRESH_SECONDS?: number;

  @IsOptional() @IsInt() @Min(1) @Max(3650)
  MONITORING_WINDOW_DAYS?: number;
}

export const monitoringConfig = registerAs('monitoring', (): MonitoringModuleOptions => {
  const env = validateEnv(MonitoringEnv);
  return {
    refreshIntervalMs: (env.MONITORING_REFRESH_SECONDS ?? 60) * 1000,
    windowDays: env.MONITORING_WINDOW_DAYS ?? 30,
  };
});
