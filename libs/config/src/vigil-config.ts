import type { LOG_LEVELS, REDIS_FAILURE_MODES, VERSION_STATUSES } from './environment';

export type VersionStatus = (typeof VERSION_STATUSES)[number];

export interface ApiVersionPolicy {
  version: string;
  status: VersionStatus;
  deprecatedAt?: Date;
  sunsetAt?: Date;
}

/** The typed configuration every module injects (token: VigilConfig). Built once by loadConfig(). */
export abstract class VigilConfig {
  abstract readonly env: 'development' | 'production' | 'test';
  abstract readonly http: { port: number; host: string; shutdownTimeoutMs: number; docsEnabled: boolean; metricsKey?: string };
  abstract readonly logLevel: (typeof LOG_LEVELS)[number];
  abstract readonly database: {
    /** Undefined means: start the embedded PostgreSQL. */
    url?: string;
    poolSize: number;
    migrationsRun: boolean;
    connectTimeoutMs: number;
    embeddedDir: string;
    embeddedPort: number;
  };
  abstract readonly redis: {
    /** Undefined means: in-process stand-ins (limits, idempotency, events are per process). */
    url?: string;
    keyPrefix: string;
    failureMode: (typeof REDIS_FAILURE_MODES)[number];
    commandTimeoutMs: number;
  };
  abstract readonly rateLimit: {
    enabled: boolean;
    limit: number;
    windowS: number;
    perIp: number;
    leaseMax: number;
    /** WebSocket upgrades per caller per window (their own budget; the per-IP cap is shared with HTTP). */
    wsUpgrades: number;
  };
  abstract readonly auth: { bootstrapKey?: string; cacheTtlMs: number };
  abstract readonly idempotency: { ttlS: number; lockTtlS: number };
  abstract readonly cors: { origins: string[]; credentials: boolean };
  abstract readonly apiVersions: ApiVersionPolicy[];
  abstract readonly checks: {
    runInThisProcess: boolean;
    minIntervalS: number;
    concurrency: number;
    maxBodyBytes: number;
    maxRedirects: number;
    /** CIDRs (e.g. 127.0.0.0/8) that checks may reach although they are in a blocked range. */
    targetAllowlist: string[];
    downThreshold: number;
    monitorsFile: string;
  };
  abstract readonly scheduler: { tickMs: number; batchSize: number; leaseS: number };
  abstract readonly live: { pingIntervalS: number; statusIntervalS: number; maxBufferedBytes: number };
  /**
   * Uptime queries: longest window (days) and most buckets one series may return; rollup compaction: seconds
   * after an hour ends before its hour and day rows are compacted from its minute rows.
   */
  abstract readonly uptime: { maxWindowDays: number; maxBuckets: number; compactionGraceS: number };
  /** Retention job: days each table keeps, run interval, batch size and the pause between batches. */
  abstract readonly retention: {
    rawDays: number;
    minuteDays: number;
    rollupDays: number;
    intervalS: number;
    batchSize: number;
    batchPauseMs: number;
  };
}
