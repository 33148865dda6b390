import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { envFlag, validateEnv } from './validate-env';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
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

  @IsOptional() @IsIn(['text', 'json'])
  LOG_FORMAT?: 'text' | 'json';
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
  logFormat: 'text' | 'json';
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
    logFormat: env.LOG_FORMAT ?? 'text',
  };
});

/** Levels to enable for a minimum level name (Nest takes the list). */
export function enabledLogLevels(minimum: LogLevelName): LogLevelName[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(minimum) + 1);
}
