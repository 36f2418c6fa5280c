import { ConfigError, loadConfig } from './load-config';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      http: { port: 8000, host: '0.0.0.0', shutdownTimeoutMs: 10000, docsEnabled: true },
      logLevel: 'info',
      database: { url: undefined, poolSize: 10, migrationsRun: true, connectTimeoutMs: 5000, embeddedDir: './data/pg', embeddedPort: 54329 },
      redis: { url: undefined, keyPrefix: 'vigil:', failureMode: 'fallback', commandTimeoutMs: 500 },
      rateLimit: { enabled: true, limit: 600, windowS: 60, perIp: 3000, leaseMax: 200, wsUpgrades: 60 },
      auth: { bootstrapKey: undefined, cacheTtlMs: 5000 },
      idempotency: { ttlS: 86400, lockTtlS: 60 },
      cors: { origins: [], credentials: false },
    });
    expect(config.apiVersions).toEqual([
      { version: '1', status: 'active', deprecatedAt: undefined, sunsetAt: undefined },
      { version: '2', status: 'active', deprecatedAt: undefined, sunsetAt: undefined },
    ]);
  });

  it('reads typed values from strings', () => {
    const config = loadConfig({
      PORT: '9001',
      DATABASE_URL: 'postgresql://u:p@db:5432/vigil',
      DATABASE_POOL_SIZE: '25',
      DATABASE_MIGRATIONS_RUN: 'false',
      REDIS_URL: 'rediss://cache:6380',
      REDIS_FAILURE_MODE: 'open',
      RATE_LIMIT_ENABLED: 'no',
      RATE_LIMIT_WS_UPGRADES: '5',
      AUTH_CACHE_TTL_MS: '0',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      CORS_CREDENTIALS: 'true',
      LOG_LEVEL: 'debug',
    });
    expect(config.http.port).toBe(9001);
    expect(config.database).toMatchObject({ url: 'postgresql://u:p@db:5432/vigil', poolSize: 25, migrationsRun: false });
    expect(config.redis).toMatchObject({ url: 'rediss://cache:6380', failureMode: 'open' });
    expect(config.rateLimit).toMatchObject({ enabled: false, wsUpgrades: 5 });
    expect(config.auth.cacheTtlMs).toBe(0);
    expect(config.cors).toEqual({ origins: ['https://a.example', 'https://b.example'], credentials: true });
    expect(config.logLevel).toBe('debug');
  });

  it('treats an empty string as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ http: { port: 8000 }, database: { url: undefined } });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['REDIS_FAILURE_MODE', 'maybe'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://cache:6379'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_MIGRATIONS_RUN', 'perhaps'],
    ['API_V1_STATUS', 'retired'],
    ['API_V2_SUNSET_AT', 'next tuesday'],
    ['NODE_ENV', 'staging'],
    ['RATE_LIMIT_WS_UPGRADES', '0'],
    ['RATE_LIMIT_WS_UPGRADES', 'many'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.message).toContain(name);
    expect(err.problems).toEqual([expect.stringMatching(new RegExp(`^${name}\\b`))]);
  });

  it('reports every invalid variable at once', () => {
    const err = configError({ PORT: 'abc', REDIS_FAILURE_MODE: 'maybe', DATABASE_URL: 'mysql://x' });
    expect(err.problems).toHaveLength(3);
    for (const name of ['PORT', 'REDIS_FAILURE_MODE', 'DATABASE_URL']) expect(err.message).toContain(name);
  });

  it("refuses CORS_ORIGINS='*' with CORS_CREDENTIALS=true", () => {
    const err = configError({ CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true' });
    expect(err.message).toMatch(/CORS_ORIGINS.*CORS_CREDENTIALS/);
    expect(loadConfig({ CORS_ORIGINS: '*' }).cors).toEqual({ origins: ['*'], credentials: false });
  });

  it('refuses a deprecated version without API_Vn_DEPRECATED_AT, and accepts it with one', () => {
    expect(configError({ API_V1_STATUS: 'deprecated' }).message).toContain('API_V1_DEPRECATED_AT');
    expect(configError({ API_V2_STATUS: 'deprecated' }).message).toContain('API_V2_DEPRECATED_AT');
    const config = loadConfig({ API_V1_STATUS: 'deprecated', API_V1_DEPRECATED_AT: '2026-11-01T00:00:00Z', API_V1_SUNSET_AT: '2027-05-01T00:00:00Z' });
    expect(config.apiVersions[0]).toEqual({
      version: '1',
      status: 'deprecated',
      deprecatedAt: new Date('2026-11-01T00:00:00Z'),
      sunsetAt: new Date('2027-05-01T00:00:00Z'),
    });
  });

  it('refuses removing every API version', () => {
    expect(configError({ API_V1_STATUS: 'removed', API_V2_STATUS: 'removed' }).message).toMatch(/API_V1_STATUS.*API_V2_STATUS/);
  });

  it('does not echo secrets in the error message', () => {
    const err = configError({
      DATABASE_URL: 'mysql://admin:hunter2-db-password@db/x',
      REDIS_URL: 'memcache://:hunter3-redis-password@cache',
      VIGIL_BOOTSTRAP_API_KEY: 'short-secret',
    });
    expect(err.problems).toHaveLength(3);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'VIGIL_BOOTSTRAP_API_KEY']) expect(err.message).toContain(name);
    expect(err.message).not.toMatch(/hunter2|hunter3|short-secret/);
  });

  it('keeps a valid bootstrap key', () => {
    expect(loadConfig({ VIGIL_BOOTSTRAP_API_KEY: 'a-long-enough-bootstrap-key' }).auth.bootstrapKey).toBe('a-long-enough-bootstrap-key');
  });
});
