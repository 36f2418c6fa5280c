import { Injectable, Logger } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import { VigilConfig } from '@vigil/config';
import { RedisService } from '@vigil/redis';
import { type CounterRequest, LeasedCounters } from './leased-counters';

export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;
export type { CounterRequest };

/**
 * Counts hits in Redis so every instance shares one budget per key (LeasedCounters: hits are reserved a
 * few at a time, so most requests need no round trip). When Redis is unreachable the
 * request is not failed: REDIS_FAILURE_MODE=fallback counts in this process until Redis returns,
 * =open lets the request through uncounted. Without Redis at all, counting is in-process.
 */
@Injectable()
export class ResilientThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new ThrottlerStorageService();
  private readonly shared: LeasedCounters | null;
  private degraded = false;

  constructor(
    private readonly redis: RedisService,
    private readonly config: VigilConfig,
  ) {
    this.shared = redis.client ? new LeasedCounters(redis.client, config.rateLimit.leaseMax) : null;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const [record] = await this.incrementAll([{ key, ttl, limit, blockDuration, name: throttlerName }]);
    return record;
  }

  /** Counts one hit on each counter, in Redis (shared) when it is configured and reachable. */
  async incrementAll(counters: CounterRequest[]): Promise<ThrottlerStorageRecord[]> {
    if (!this.shared) return this.incrementLocally(counters);
    // Known to be down (ioredis reconnects in the background): no attempt per request, which would fail
    // anyway and cost a rejected command each; the first request after 'ready' uses Redis again.
    if (!this.redis.isReady) return this.unavailable(counters, new Error(`Redis connection is ${this.redis.client?.status ?? 'closed'}`));
    try {
      const records = await this.shared.hitAll(counters);
      if (this.degraded) {
        this.degraded = false;
        this.logger.log('Redis is back: rate limits are shared again');
      }
      return records;
    } catch (err) {
      return this.unavailable(counters, err);
    }
  }

  /** Redis could not count: per REDIS_FAILURE_MODE, count in this process (fallback) or not at all (open). */
  private unavailable(counters: CounterRequest[], err: unknown): Promise<ThrottlerStorageRecord[]> {
    if (!this.degraded) {
      this.degraded = true;
      this.logger.warn({ err, msg: `Redis unavailable for rate limits; mode ${this.config.redis.failureMode}` });
    }
    if (this.config.redis.failureMode === 'open') {
      return Promise.resolve(counters.map((c) => ({ totalHits: 0, timeToExpire: Math.ceil(c.ttl / 1000), isBlocked: false, timeToBlockExpire: 0 })));
    }
    return this.incrementLocally(counters);
  }

  /**
   * incrementAll without a round trip or a promise, when the shared counters can answer from the hits this
   * instance has reserved (LeasedCounters.hitAllLocally); null when they cannot (call incrementAll), and
   * always null without Redis or while it is unreachable, so falling back and recovering stay in one place.
   */
  incrementAllNow(counters: readonly CounterRequest[]): ThrottlerStorageRecord[] | null {
    if (!this.shared || this.degraded) return null;
    return this.shared.hitAllLocally(counters);
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
  }

  private incrementLocally(counters: CounterRequest[]): Promise<ThrottlerStorageRecord[]> {
    return Promise.all(counters.map((c) => this.local.increment(c.key, c.ttl, c.limit, c.blockDuration, c.name)));
  }
}
