import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { PersistenceModuleOptions } from '@app/persistence';
import { envFlag, validateEnv } from './validate-env';

class DatabaseEnv {
  @IsOptional() @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must start with postgres:// or postgresql://' })
  DATABASE_URL?: string;

  @IsOptional() @IsString()
  SQLITE_PATH?: string;

  @IsOptional() @IsInt() @Min(1) @Max(200)
  DATABASE_POOL_SIZE?: number;

  @IsOptional() @IsInt() @Min(100) @Max(60000)
  DATABASE_CONNECT_TIMEOUT_MS?: number;

  @IsOptional() @IsInt() @Min(100) @Max(600000)
  DATABASE_STATEMENT_TIMEOUT_MS?: number;

  @IsOptional() @IsIn(['true', 'false'])
  DATABASE_MIGRATIONS_RUN?: string;

  @IsOptional() @IsIn(['true', 'false'])
  DATABASE_GROUP_COMMIT?: string;

  @IsOptional() @IsInt() @Min(1) @Max(10000)
  DATABASE_GROUP_COMMIT_MAX_BATCH?: number;

  @IsOptional() @IsInt() @Min(1) @Max(36500)
  RETENTION_DAYS?: number;

  @IsOptional() @IsInt() @Min(1) @Max(10080)
  RETENTION_INTERVAL_MINUTES?: number;
}

export const databaseConfig = registerAs('database', (): PersistenceModuleOptions => {
  const env = validateEnv(DatabaseEnv);
  return {
    url: env.DATABASE_URL || undefined,
    sqlitePath: env.SQLITE_PATH || undefined,
    poolSize: env.DATABASE_POOL_SIZE,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    migrationsRun: envFlag(env.DATABASE_MIGRATIONS_RUN, true),
    groupCommit: envFlag(env.DATABASE_GROUP_COMMIT, true) && { maxBatchSize: env.DATABASE_GROUP_COMMIT_MAX_BATCH ?? 128 },
    retention: env.RETENTION_DAYS
      ? { days: env.RETENTION_DAYS, intervalMs: (env.RETENTION_INTERVAL_MINUTES ?? 60) * 60_000 }
      : undefined,
  };
});
