import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { Environment } from './environment';
import type { VigilConfig } from './vigil-config';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type EnvSource = Record<string, string | undefined>;

function describe(errors: ValidationError[]): string[] {
  return errors.map((e) => {
    const messages = Object.values(e.constraints ?? {}).join('; ');
    const shown = typeof e.value === 'string' && /KEY|URL|SECRET/.test(e.property) ? '(hidden)' : JSON.stringify(e.value);
    return `${e.property}=${shown}: ${messages}`;
  });
}

/** Reads `.env` (when present) into process.env without overriding what is already set. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/**
 * Builds the typed configuration from environment variables. This is the only place that reads them;
 * an invalid value throws a ConfigError naming the variable.
 */
export function loadConfig(source: EnvSource = process.env): VigilConfig {
  const raw: EnvSource = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && v !== '') raw[k] = v;
  const env = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, forbidUnknownValues: false });
  const problems = describe(errors);

  const origins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (env.CORS_CREDENTIALS && origins.includes('*')) {
    problems.push('CORS_ORIGINS: "*" cannot be combined with CORS_CREDENTIALS=true; list the origins');
  }
  if (env.API_V1_STATUS === 'removed' && env.API_V2_STATUS === 'removed') {
    problems.push('API_V1_STATUS, API_V2_STATUS: at least one API version must not be removed');
  }
  for (const v of ['1', '2'] as const) {
    if (env[`API_V${v}_STATUS`] === 'deprecated' && !env[`API_V${v}_DEPRECATED_AT`]) {
      problems.push(`API_V${v}_DEPRECATED_AT: required when API_V${v}_STATUS=deprecated (ISO 8601 date)`);
    }
  }
  const allowlist = (env.VIGIL_TARGET_ALLOWLIST ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  for (const cidr of allowlist) {
    if (!isCidr(cidr)) problems.push(`VIGIL_TARGET_ALLOWLIST: "${cidr}" is not a CIDR such as 127.0.0.0/8 or ::1/128`);
  }
  if (problems.length) throw new ConfigError(problems);

  const date = (s?: string) => (s ? new Date(s) : undefined);
  return {
    env: env.NODE_ENV as VigilConfig['env'],
    http: { port: env.PORT, host: env.HOST, shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS, docsEnabled: env.DOCS_ENABLED, metricsKey: env.METRICS_API_KEY },
    logLevel: env.LOG_LEVEL,
    database: {
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      migrationsRun: env.DATABASE_MIGRATIONS_RUN,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      embeddedDir: env.EMBEDDED_PG_DIR,
      embeddedPort: env.EMBEDDED_PG_PORT,
    },
    redis: {
      url: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX,
      failureMode: env.REDIS_FAILURE_MODE,
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    },
    rateLimit: {
      enabled: env.RATE_LIMIT_ENABLED,
      limit: env.RATE_LIMIT_DEFAULT,
      windowS: env.RATE_LIMIT_WINDOW_S,
      perIp: env.RATE_LIMIT_PER_IP,
      leaseMax: env.RATE_LIMIT_LEASE_MAX,
      wsUpgrades: env.RATE_LIMIT_WS_UPGRADES,
    },
    auth: { bootstrapKey: env.VIGIL_BOOTSTRAP_API_KEY, cacheTtlMs: env.AUTH_CACHE_TTL_MS },
    idempotency: { ttlS: env.IDEMPOTENCY_TTL_S, lockTtlS: env.IDEMPOTENCY_LOCK_TTL_S },
    cors: { origins, credentials: env.CORS_CREDENTIALS },
    checks: {
      runInThisProcess: env.RUN_CHECKS,
      minIntervalS: env.CHECK_MIN_INTERVAL_S,
      concurrency: env.CHECK_CONCURRENCY,
      maxBodyBytes: env.CHECK_MAX_BODY_BYTES,
      maxRedirects: env.CHECK_MAX_REDIRECTS,
      targetAllowlist: allowlist,
      downThreshold: env.STATUS_DOWN_THRESHOLD,
      monitorsFile: env.MONITORS_FILE,
    },
    scheduler: { tickMs: env.SCHEDULER_TICK_MS, batchSize: env.SCHEDULER_BATCH_SIZE, leaseS: env.SCHEDULER_LEASE_S },
    live: { pingIntervalS: env.WS_PING_INTERVAL_S, statusIntervalS: env.WS_STATUS_INTERVAL_S, maxBufferedBytes: env.WS_MAX_BUFFERED_BYTES },
    uptime: { maxWindowDays: env.UPTIME_MAX_WINDOW_DAYS, maxBuckets: env.UPTIME_MAX_BUCKETS, compactionGraceS: env.UPTIME_COMPACTION_GRACE_S },
    retention: {
      rawDays: env.RETENTION_RAW_DAYS,
      minuteDays: env.RETENTION_MINUTE_DAYS,
      rollupDays: env.RETENTION_ROLLUP_DAYS,
      intervalS: env.RETENTION_INTERVAL_S,
      batchSize: env.RETENTION_BATCH_SIZE,
      batchPauseMs: env.RETENTION_BATCH_PAUSE_MS,
    },
    apiVersions: [
      { version: '1', status: env.API_V1_STATUS, deprecatedAt: date(env.API_V1_DEPRECATED_AT), sunsetAt: date(env.API_V1_SUNSET_AT) },
      { version: '2', status: env.API_V2_STATUS, deprecatedAt: date(env.API_V2_DEPRECATED_AT), sunsetAt: date(env.API_V2_SUNSET_AT) },
    ],
  };
}

function isCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  const family = isIP(address ?? '');
  if (!family || extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
