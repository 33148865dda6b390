import { isIP } from 'node:net';
import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Matches, Max, Min, ValidateBy } from 'class-validator';
import { validateEnv } from './validate-env';

/** Express's names for address ranges, accepted in TRUST_PROXY beside addresses and subnets. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One TRUST_PROXY entry: a range name, an IP address, or a subnet in CIDR notation. */
function isProxyEntry(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Why a TRUST_PROXY value is refused, or undefined when it is a valid list (or false). */
export function trustProxyProblem(value: string): string | undefined {
  if (value.trim() === '' || value === 'false') return undefined;
  if (/^\s*(true|\d+)\s*$/.test(value)) {
    return (
      `TRUST_PROXY=${value.trim()} is refused: a hop count or "true" trusts X-Forwarded-For from any client that reaches ` +
      'this port directly, so one client could pick a new address per request and escape the per-client rate limits ' +
      'and connection cap. List the proxies instead, as addresses or CIDR subnets (10.0.0.0/8) or loopback, ' +
      'linklocal, uniquelocal; or false when no proxy adds X-Forwarded-For'
    );
  }
  const bad = value.split(',').map((part) => part.trim()).filter((part) => !isProxyEntry(part));
  if (bad.length === 0) return undefined;
  return (
    `TRUST_PROXY must be false or comma-separated proxy addresses or CIDR subnets (loopback, linklocal, uniquelocal, ` +
    `10.0.0.0/8, 2001:db8::/32); not an address or subnet: ${bad.map((b) => JSON.stringify(b.slice(0, 60))).join(', ')}`
  );
}

/** class-validator decorator for trustProxyProblem, so the problem is reported with the others. */
const IsTrustProxy = () =>
  ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && trustProxyProblem(value) === undefined,
      defaultMessage: (args) => (typeof args?.value === 'string' && trustProxyProblem(args.value)) || 'TRUST_PROXY must be a string',
    },
  });

class HttpEnv {
  @IsOptional() @IsInt() @Min(1000) @Max(600000)
  HTTP_HEADERS_TIMEOUT_MS?: number;

  @IsOptional() @IsInt() @Min(1000) @Max(3600000)
  HTTP_REQUEST_TIMEOUT_MS?: number;

  @IsOptional() @IsInt() @Min(100) @Max(600000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS?: number;

  @IsOptional() @IsInt() @Min(1) @Max(1000000)
  HTTP_MAX_CONNECTIONS?: number;

  @IsOptional() @IsInt() @Min(0) @Max(1000000)
  HTTP_MAX_CONNECTIONS_PER_CLIENT?: number;

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

  @IsOptional() @IsTrustProxy()
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
   * Most open connections from one client (its socket peer address; an IPv6 /56), per process; more
   * are answered 429 with Retry-After and closed. Trusted proxies (`trustProxy`) are exempt: they
   * carry many clients and enforce their own limits. 0: no per-client cap.
   */
  maxConnectionsPerClient: number;
  /**
   * Express's `trust proxy`: which peers may say, in X-Forwarded-For, who the client is. false
   * (default): nobody, the client is the socket peer, and a forwarded header is ignored. A list of
   * proxy addresses, subnets and range names: the client is the first address not vouched for by a
   * trusted proxy, and rate limits key on it. A hop count is refused at start-up (anyone reaching
   * the port directly could name themselves). When a proxy is trusted, the loopback exemption of
   * the admin endpoints is off (every client would look like the proxy).
   */
  trustProxy: false | string[];
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
    maxConnectionsPerClient: env.HTTP_MAX_CONNECTIONS_PER_CLIENT ?? 100,
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
  if (!value?.trim() || value === 'false') return false;
  return value.split(',').map((part) => part.trim());
}
