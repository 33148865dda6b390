import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { validateEnv } from './validate-env';

class HttpEnv {
  @IsOptional() @IsInt() @Min(1000) @Max(600000)
  HTTP_HEADERS_TIMEOUT_MS?: number;

  @IsOptional() @IsInt() @Min(1000) @Max(3600000)
  HTTP_REQUEST_TIMEOUT_MS?: number;

  @IsOptional() @IsInt() @Min(100) @Max(600000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS?: number;

  @IsOptional() @IsInt() @Min(1) @Max(1000000)
  HTTP_MAX_CONNECTIONS?: number;

  @IsOptional() @IsInt() @Min(1000) @Max(86400000)
  RATE_LIMIT_WINDOW_MS?: number;

  @IsOptional() @IsInt() @Min(0) @Max(10000000)
  RATE_LIMIT_PREDICT?: number;

  @IsOptional() @IsInt() @Min(0) @Max(10000000)
  RATE_LIMIT_BATCH?: number;

  @IsOptional() @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must start with redis:// or rediss://' })
  REDIS_URL?: string;
}

export interface HttpConfig {
  /** Most time a client may take to send the request headers. */
  headersTimeoutMs: number;
  /** Most time a client may take to send the whole request. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open. */
  keepAliveTimeoutMs: number;
  /** Most open connections; more are refused. */
  maxConnections: number;
  rateLimit: {
    windowMs: number;
    /** POST /predict requests per client and window; 0 turns the limit off. */
    predict: number;
    /** POST /predict/batch requests per client and window; 0 turns the limit off. */
    batch: number;
    /** Counters shared by every process through Redis when set; in memory per process otherwise. */
    redisUrl?: string;
  };
}

export const httpConfig = registerAs('http', (): HttpConfig => {
  const env = validateEnv(HttpEnv);
  return {
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS ?? 10_000,
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS ?? 30_000,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS ?? 5_000,
    maxConnections: env.HTTP_MAX_CONNECTIONS ?? 1_000,
    rateLimit: {
      windowMs: env.RATE_LIMIT_WINDOW_MS ?? 60_000,
      predict: env.RATE_LIMIT_PREDICT ?? 1_200,
      batch: env.RATE_LIMIT_BATCH ?? 60,
      redisUrl: env.REDIS_URL || undefined,
    },
  };
});
