import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { envFlag, validateEnv } from './validate-env';

/** Nest's level names, most severe first; `info` and `trace` are pino's names for `log` and `verbose`. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'info', 'debug', 'verbose', 'trace'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Comma-separated keys of at least 16 characters, without spaces. */
const API_KEY_LIST = /^([^,\s]{16,})(,[^,\s]{16,})*$/;

class AppEnv {
  @IsOptional() @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @IsString()
  HOST?: string;

  @IsOptional() @Matches(/^\d+(b|kb|mb)$/, { message: 'BODY_LIMIT must look like 100kb or 1mb' })
  BODY_LIMIT?: string;

  @IsOptional() @Matches(/^\d+(b|kb|mb)$/, { message: 'BATCH_BODY_LIMIT must look like 2mb' })
  BATCH_BODY_LIMIT?: string;

  @IsOptional() @IsInt() @Min(1) @Max(100000)
  BATCH_MAX_ITEMS?: number;

  @IsOptional() @IsIn(['true', 'false'])
  STRICT_CATEGORIES?: string;

  @IsOptional() @Matches(API_KEY_LIST, {
    message: 'ADMIN_API_KEYS must be comma-separated keys of at least 16 characters, without spaces',
  })
  ADMIN_API_KEYS?: string;

  @IsOptional() @Matches(API_KEY_LIST, {
    message: 'PREDICT_API_KEYS must be comma-separated keys of at least 16 characters, without spaces',
  })
  PREDICT_API_KEYS?: string;

  @IsOptional() @IsIn(LOG_LEVELS)
  LOG_LEVEL?: LogLevelName;

  @IsOptional() @IsString()
  LOG_FILE?: string;

  @IsOptional() @IsIn(LOG_LEVELS)
  LOG_FILE_LEVEL?: LogLevelName;
}

export interface AppConfig {
  port: number;
  host: string;
  bodyLimit: string;
  batchBodyLimit: string;
  batchMaxItems: number;
  strictCategories: boolean;
  adminApiKeys: string[];
  predictApiKeys: string[];
  logLevel: LogLevelName;
  /** A file that also receives every log line at `logFileLevel` or above (appended). */
  logFile?: string;
  logFileLevel: LogLevelName;
}

export const appConfig = registerAs('app', (): AppConfig => {
  const env = validateEnv(AppEnv);
  return {
    port: env.PORT ?? 3000,
    host: env.HOST ?? '0.0.0.0',
    bodyLimit: env.BODY_LIMIT ?? '100kb',
    batchBodyLimit: env.BATCH_BODY_LIMIT ?? '2mb',
    batchMaxItems: env.BATCH_MAX_ITEMS ?? 1000,
    strictCategories: envFlag(env.STRICT_CATEGORIES, false),
    adminApiKeys: env.ADMIN_API_KEYS ? env.ADMIN_API_KEYS.split(',') : [],
    predictApiKeys: env.PREDICT_API_KEYS ? env.PREDICT_API_KEYS.split(',') : [],
    logLevel: env.LOG_LEVEL ?? 'log',
    logFile: env.LOG_FILE || undefined,
    logFileLevel: env.LOG_FILE_LEVEL ?? env.LOG_LEVEL ?? 'log',
  };
});
