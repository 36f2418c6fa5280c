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
}
