import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const toInt = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const VERSION_STATUSES = ['active', 'maintenance', 'deprecated', 'removed'] as const;
export const REDIS_FAILURE_MODES = ['fallback', 'open'] as const;

/**
 * Every environment variable Vigil reads, with its rule. Names are the variable names so that a
 * validation message names the variable to fix.
 */
export class Environment {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8000;

  @IsString()
  HOST = '0.0.0.0';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @Transform(toBoolean)
  @IsBoolean()
  DATABASE_MIGRATIONS_RUN = true;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120000)
  DATABASE_CONNECT_TIMEOUT_MS = 5000;

  @IsString()
  @MinLength(1)
  EMBEDDED_PG_DIR = './data/pg';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsString()
  @MaxLength(64)
  REDIS_KEY_PREFIX = 'vigil:';

  @IsIn(REDIS_FAILURE_MODES)
  REDIS_FAILURE_MODE: (typeof REDIS_FAILURE_MODES)[number] = 'fallback';

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60000)
  REDIS_COMMAND_TIMEOUT_MS = 500;

  @Transform(toBoolean)
  @IsBoolean()
  RATE_LIMIT_ENABLED = true;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_DEFAULT = 600;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  RATE_LIMIT_WINDOW_S = 60;

  /** Requests per window from one client IP whatever key it sends: caps floods of made-up keys. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  RATE_LIMIT_PER_IP = 3000;

  /**
   * Most hits an instance reserves from Redis in one round trip, then counts locally. Reservations never
   * exceed 1/16 of what is left of a budget, so small budgets are still counted hit by hit; 1 sends every hit to Redis.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  RATE_LIMIT_LEASE_MAX = 200;

  /** /ws/live connection attempts (upgrades) per caller per window: a budget of their own, apart from HTTP requests. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_WS_UPGRADES = 60;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'VIGIL_BOOTSTRAP_API_KEY must be at least 16 characters' })
  VIGIL_BOOTSTRAP_API_KEY?: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300000)
  AUTH_CACHE_TTL_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(7 * 86400)
  IDEMPOTENCY_TTL_S = 86400;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  IDEMPOTENCY_LOCK_TTL_S = 60;

  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @Transform(toBoolean)
  @IsBoolean()
  CORS_CREDENTIALS = false;

  @IsIn(VERSION_STATUSES)
  API_V1_STATUS: (typeof VERSION_STATUSES)[number] = 'active';

  @IsOptional()
  @IsISO8601()
  API_V1_DEPRECATED_AT?: string;

  @IsOptional()
  @IsISO8601()
  API_V1_SUNSET_AT?: string;

  @IsIn(VERSION_STATUSES)
  API_V2_STATUS: (typeof VERSION_STATUSES)[number] = 'active';

  @IsOptional()
  @IsISO8601()
  API_V2_DEPRECATED_AT?: string;

  @IsOptional()
  @IsISO8601()
  API_V2_SUNSET_AT?: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(120000)
  SHUTDOWN_TIMEOUT_MS = 10000;

  @Transform(toBoolean)
  @IsBoolean()
  DOCS_ENABLED = true;

  /** When set, GET /metrics needs `Authorization: Bearer <value>`. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_API_KEY must be at least 16 characters' })
  METRICS_API_KEY?: string;

  // --- Monitoring engine ---

  /** Run the scheduler and checker in this process (the API server; apps/worker always does). */
  @Transform(toBoolean)
  @IsBoolean()
  RUN_CHECKS = true;

  /** Smallest interval an endpoint may have, in seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  CHECK_MIN_INTERVAL_S = 10;

  /** Checks running at once in one process. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  CHECK_CONCURRENCY = 200;

  /** Bytes of a response body read at most; more is `body_too_large`. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(100 * 1024 * 1024)
  CHECK_MAX_BODY_BYTES = 1024 * 1024;

  /** Redirects followed at most (each target re-checked by the SSRF guard). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(20)
  CHECK_MAX_REDIRECTS = 5;

  /** Comma-separated CIDRs that checks may reach although private, loopback, link-local... (e.g. 127.0.0.0/8,10.0.0.0/8). */
  @IsOptional()
  @IsString()
  VIGIL_TARGET_ALLOWLIST?: string;

  /** How often the scheduler looks for endpoints to adopt (new, given back, or a dead worker's), in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(20)
  @Max(60000)
  SCHEDULER_TICK_MS = 250;

  /** Endpoints adopted per query at least (1000 when lower); adoption repeats while a query comes back full. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5000)
  SCHEDULER_BATCH_SIZE = 200;

  /** Seconds a worker's heartbeat lasts (renewed every third of it); once it has passed, other workers adopt its endpoints. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  SCHEDULER_LEASE_S = 30;

  /** Consecutive failed checks before an endpoint is `down` (fewer: `degraded`). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  STATUS_DOWN_THRESHOLD = 1;

  /** A monitors file applied at start when it exists (config as code). */
  @IsString()
  MONITORS_FILE = 'config/monitors.yaml';

  /** WebSocket ping interval, seconds; a client that misses two is closed. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600)
  WS_PING_INTERVAL_S = 30;

  /** WebSocket status_update interval, seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  WS_STATUS_INTERVAL_S = 10;

  /** Bytes a WebSocket client may have waiting to be sent before it is closed as too slow. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(256 * 1024 * 1024)
  WS_MAX_BUFFERED_BYTES = 1024 * 1024;

  // --- Uptime analytics ---

  /** Longest window an uptime query may cover, in days. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  UPTIME_MAX_WINDOW_DAYS = 400;

  /** Most buckets one uptime series may return (10080: a week of minutes). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(100_000)
  UPTIME_MAX_BUCKETS = 10_080;

  /**
   * Seconds after a UTC hour ends before its hour and day rollups are compacted from its minute rows, so
   * that checks still running at the hour's end are stored first (later ones are still counted, at a cost).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  UPTIME_COMPACTION_GRACE_S = 300;

  // --- Retention (deletes old rows in small batches; runs where checks run) ---

  /** Days raw check results are kept. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_RAW_DAYS = 30;

  /** Days minute rollups are kept (as many rows as raw results at 1-minute intervals: keep no longer than raw). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_MINUTE_DAYS = 30;

  /** Days hour and day rollups are kept. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(36500)
  RETENTION_ROLLUP_DAYS = 400;

  /** Seconds between two retention runs. */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(604_800)
  RETENTION_INTERVAL_S = 3600;

  /** Rows one retention batch (one short transaction) deletes at most. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  RETENTION_BATCH_SIZE = 5000;

  /** Pause between two retention batches, ms. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  RETENTION_BATCH_PAUSE_MS = 100;
}
