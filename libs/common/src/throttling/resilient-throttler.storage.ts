import { Injectable, Logger } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import { VigilConfig } from '@vigil/config';
import { RedisService } from '@vigil/redis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Counts hits in Redis so every instance shares one budget per key. When Redis is unreachable the
 * request is not failed: REDIS_FAILURE_MODE=fallback counts in this process until Redis returns,
 * =open lets the request through uncounted. Without Redis at all, counting is in-process.
 */
@Injectable()
export class ResilientThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new ThrottlerStorageService();
  private readonly shared: ThrottlerStorageRedisService | null;
  private degraded = false;

  constructor(
    private readonly redis: RedisService,
    private readonly config: VigilConfig,
  ) {
    this.shared = redis.client ? new ThrottlerStorageRedisService(redis.client) : null;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (!this.shared) return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    try {
      const record = await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
      if (this.degraded) {
        this.degraded = false;
        this.logger.log('Redis is back: rate limits are shared again');
      }
      return record;
    } catch (err) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn({ err, msg: `Redis unavailable for rate limits; mode ${this.config.redis.failureMode}` });
      }
      if (this.config.redis.failureMode === 'open') {
        return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
      }
      return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
  }
}
