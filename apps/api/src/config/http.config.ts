import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { validateEnv } from './validate-env';

/** false, a hop count, or a list of addresses, subnets and express's names for address ranges. */
const TRUST_PROXY = /^(false|[1-9]|10|(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)(,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?))*)$/;

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

  @IsOptional() @IsInt() @Min(0) @Max(10000)
  CSV_MAX_JOBS?: number;

  @IsOptional() @IsInt() @Min(0) @Max(10000)
  CSV_MAX_JOBS_PER_CLIENT?: number;

  @IsOptional() @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must start with redis:// or rediss://' })
  REDIS_URL?: string;

  @IsOptional() @Matches(TRUST_PROXY, {
    message:
      'TRUST_PROXY must be false, a number of proxy hops (1-10), or comma-separated proxy addresses or subnets ' +
      '(loopback, linklocal, uniquelocal, 10.0.0.0/8, ...)',
  })
  TRUST_PROXY?: string;
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
  /**
   * Express's `trust proxy`: which peers may say, in X-Forwarded-For, who the client is. false
   * (default): nobody, the client is the socket peer, and a forwarded header is ignored. A hop count
   * or a list of proxy addresses: the client is the first address not vouched for by a trusted
   * proxy. Rate limits key on that client; the loopback-only admin rule never does (socket peer).
   */
  trustProxy: false | number | string[];
  rateLimit: {
    windowMs: number;
    /** POST /predict requests per client and window; 0 turns the limit off. */
    predict: number;
    /** POST /predict/batch requests per client and window; 0 turns the limit off. */
    batch: number;
    /** Counters shared by every process through Redis when set; in memory per process otherwise. */
    redisUrl?: string;
  };
  /**
   * POST /predict/csv files scored at once, per process (with WORKERS=n, n times as many in all):
   * a file is CPU work for the whole upload, so a few of them at once would hold every other
   * request up. 0 turns a cap off.
   */
  csvJobs: {
    /** In all; one more is a 503 with Retry-After. @default 2 */
    max: number;
    /** Per client (the rate limits' key: its API key, else its address); one more is a 429 with Retry-After. @default 1 */
    perClient: number;
  };
}

export const httpConfig = registerAs('http', (): HttpConfig => {
  const env = validateEnv(HttpEnv);
  return {
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS ?? 10_000,
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS ?? 30_000,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS ?? 5_000,
    maxConnections: env.HTTP_MAX_CONNECTIONS ?? 1_000,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    rateLimit: {
      windowMs: env.RATE_LIMIT_WINDOW_MS ?? 60_000,
      predict: env.RATE_LIMIT_PREDICT ?? 1_200,
      batch: env.RATE_LIMIT_BATCH ?? 60,
      redisUrl: env.REDIS_URL || undefined,
    },
    csvJobs: { max: env.CSV_MAX_JOBS ?? 2, perClient: env.CSV_MAX_JOBS_PER_CLIENT ?? 1 },
  };
});

function parseTrustProxy(value: string | undefined): HttpConfig['trustProxy'] {
  if (!value || value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((part) => part.trim());
}
