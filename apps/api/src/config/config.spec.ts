import { appConfig } from './app.config';
import { consoleConfig } from './console.config';
import { databaseConfig } from './database.config';
import { httpConfig } from './http.config';
import { inferenceConfig } from './inference.config';
import { shutdownTimeoutMs } from './shutdown.config';
import { monitoringConfig } from './monitoring.config';

/** Runs a config factory with exactly `env` as the environment. */
function withEnv<T>(env: Record<string, string>, factory: () => T): T {
  const saved = process.env;
  process.env = { ...env };
  try {
    return factory();
  } finally {
    process.env = saved;
  }
}

describe('configuration', () => {
  it('has working defaults for a fresh clone: embedded database, port 3000, lenient categories', () => {
    expect(withEnv({}, appConfig)).toMatchObject({ port: 3000, bodyLimit: '100kb', batchMaxItems: 1000, strictCategories: false, adminApiKeys: [] });
    expect(withEnv({}, databaseConfig)).toMatchObject({ url: undefined, migrationsRun: true, groupCommit: { maxBatchSize: 128 } });
    expect(withEnv({}, inferenceConfig)).toMatchObject({ intraOpNumThreads: 1, coalesce: true });
    expect(withEnv({}, inferenceConfig).modelDir).toMatch(/models\/attrition$/);
    expect(withEnv({}, consoleConfig).dir).toMatch(/dist\/console$/);
    expect(withEnv({}, shutdownTimeoutMs)).toBe(10_000);
    expect(withEnv({}, monitoringConfig)).toEqual({ refreshIntervalMs: 60_000, windowDays: 30 });
  });

  it('reads the documented variables', () => {
    const app = withEnv({ PORT: '8080', STRICT_CATEGORIES: 'true', ADMIN_API_KEYS: 'a'.repeat(16) + ',' + 'b'.repeat(20) }, appConfig);
    expect(app).toMatchObject({ port: 8080, strictCategories: true, adminApiKeys: ['a'.repeat(16), 'b'.repeat(20)] });
    expect(withEnv({ DATABASE_GROUP_COMMIT: 'false' }, databaseConfig).groupCommit).toBe(false);
    expect(withEnv({ DATABASE_STATEMENT_TIMEOUT_MS: '1500' }, databaseConfig).statementTimeoutMs).toBe(1500);
    expect(withEnv({ ORT_COALESCE: 'false' }, inferenceConfig).coalesce).toBe(false);
    expect(withEnv({ CONSOLE_DIR: '/srv/console' }, consoleConfig).dir).toBe('/srv/console');
    expect(withEnv({ MONITORING_REFRESH_SECONDS: '5', MONITORING_WINDOW_DAYS: '7' }, monitoringConfig)).toEqual({ refreshIntervalMs: 5000, windowDays: 7 });
  });

  it('limits clients by default: rate limits on, slow-client timeouts, no retention unless asked', () => {
    expect(withEnv({}, httpConfig)).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1_000,
      maxConnectionsPerClient: 100,
      trustProxy: false,
      rateLimit: { windowMs: 60_000, predict: 1_200, batch: 60, redisUrl: undefined },
      csvJobs: { max: 2, perClient: 1 },
    });
    expect(withEnv({ CSV_MAX_JOBS: '8', CSV_MAX_JOBS_PER_CLIENT: '0' }, httpConfig).csvJobs).toEqual({ max: 8, perClient: 0 });
    expect(withEnv({ RATE_LIMIT_PREDICT: '0', REDIS_URL: 'redis://127.0.0.1:6379' }, httpConfig).rateLimit).toMatchObject({ predict: 0, redisUrl: 'redis://127.0.0.1:6379' });
    expect(withEnv({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }, httpConfig).trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(withEnv({ TRUST_PROXY: '192.0.2.7,2001:db8::/32, linklocal,uniquelocal' }, httpConfig).trustProxy).toEqual([
      '192.0.2.7',
      '2001:db8::/32',
      'linklocal',
      'uniquelocal',
    ]);
    expect(withEnv({ TRUST_PROXY: 'false' }, httpConfig).trustProxy).toBe(false);
    expect(withEnv({ HTTP_MAX_CONNECTIONS_PER_CLIENT: '0' }, httpConfig).maxConnectionsPerClient).toBe(0);
    expect(withEnv({ HTTP_MAX_CONNECTIONS_PER_CLIENT: '20' }, httpConfig).maxConnectionsPerClient).toBe(20);
    expect(withEnv({}, databaseConfig).retention).toBeUndefined();
    expect(withEnv({ RETENTION_DAYS: '30' }, databaseConfig).retention).toEqual({ days: 30, intervalMs: 3_600_000 });
  });

  it.each([
    [httpConfig, { RATE_LIMIT_PREDICT: '-1' }, 'RATE_LIMIT_PREDICT'],
    [httpConfig, { REDIS_URL: 'http://x' }, 'REDIS_URL'],
    // `true` would trust any peer's X-Forwarded-For: a client reaching the service directly could spoof its address.
    [httpConfig, { TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [httpConfig, { TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [httpConfig, { TRUST_PROXY: 'loopback,proxy.internal' }, 'TRUST_PROXY'],
    [httpConfig, { HTTP_HEADERS_TIMEOUT_MS: '10' }, 'HTTP_HEADERS_TIMEOUT_MS'],
    [httpConfig, { HTTP_MAX_CONNECTIONS_PER_CLIENT: '-1' }, 'HTTP_MAX_CONNECTIONS_PER_CLIENT'],
    [httpConfig, { HTTP_MAX_CONNECTIONS_PER_CLIENT: 'many' }, 'HTTP_MAX_CONNECTIONS_PER_CLIENT'],
    [httpConfig, { CSV_MAX_JOBS: '-1' }, 'CSV_MAX_JOBS'],
    [httpConfig, { CSV_MAX_JOBS_PER_CLIENT: 'two' }, 'CSV_MAX_JOBS_PER_CLIENT'],
    [appConfig, { PREDICT_API_KEYS: 'short' }, 'PREDICT_API_KEYS'],
    [databaseConfig, { RETENTION_DAYS: '0' }, 'RETENTION_DAYS'],
    [appConfig, { PORT: 'eighty' }, 'PORT'],
    [appConfig, { BODY_LIMIT: 'big' }, 'BODY_LIMIT'],
    [appConfig, { STRICT_CATEGORIES: 'yes' }, 'STRICT_CATEGORIES'],
    [appConfig, { ADMIN_API_KEYS: 'short' }, 'ADMIN_API_KEYS'],
    [appConfig, { LOG_LEVEL: 'chatty' }, 'LOG_LEVEL'],
    [databaseConfig, { DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [databaseConfig, { DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE'],
    [databaseConfig, { DATABASE_STATEMENT_TIMEOUT_MS: '0' }, 'DATABASE_STATEMENT_TIMEOUT_MS'],
    [inferenceConfig, { ORT_INTRA_OP_THREADS: '-1' }, 'ORT_INTRA_OP_THREADS'],
    [shutdownTimeoutMs, { SHUTDOWN_TIMEOUT_MS: '10' }, 'SHUTDOWN_TIMEOUT_MS'],
    [monitoringConfig, { MONITORING_REFRESH_SECONDS: '0' }, 'MONITORING_REFRESH_SECONDS'],
    [monitoringConfig, { MONITORING_WINDOW_DAYS: 'week' }, 'MONITORING_WINDOW_DAYS'],
  ])('stops the start-up on an invalid value, naming the variable (%#)', (factory, env, name) => {
    expect(() => withEnv(env, factory as () => unknown)).toThrow(new RegExp(`Invalid environment: .*${name}`));
  });

  it.each(['1', '2', '10', 'true', ' 1 '])(
    'refuses TRUST_PROXY=%p (a hop count or true) at start-up, naming the risk and what to set instead',
    (value) => {
      const start = () => withEnv({ TRUST_PROXY: value }, httpConfig);
      expect(start).toThrow(/Invalid environment: TRUST_PROXY=\S+ is refused: a hop count or "true" trusts X-Forwarded-For from any client/);
      expect(start).toThrow(/escape the per-client rate limits/);
      expect(start).toThrow(/List the proxies instead, as addresses or CIDR subnets/);
    },
  );
});
