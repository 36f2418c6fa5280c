import { Injectable, Logger } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import { VigilConfig } from '@vigil/config';
import { RedisService } from '@vigil/redis';
import type Redis from 'ioredis';

export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

export interface CounterRequest {
  key: string;
  ttl: number;
  limit: number;
  blockDuration: number;
  name: string;
}

/**
 * Fixed-window counters with a block period, for any number of counters in ONE round trip. The script is
 * registered with defineCommand, so ioredis sends its SHA (EVALSHA) rather than its text: rate limiting is
 * on every request's path, and a second sequential call per request cost a third of the API's throughput.
 */
const COUNTERS_SCRIPT = `
local out = {}
for i = 1, #KEYS / 2 do
  local hitKey, blockKey = KEYS[2 * i - 1], KEYS[2 * i]
  local ttl, limit, blockDuration = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i])
  local hits = redis.call('INCR', hitKey)
  local expiresIn = redis.call('PTTL', hitKey)
  if expiresIn <= 0 then
    redis.call('PEXPIRE', hitKey, ttl)
    expiresIn = ttl
  end
  local blocked = redis.call('GET', blockKey)
  local blockExpiresIn = 0
  if blocked then
    blockExpiresIn = redis.call('PTTL', blockKey)
  elseif hits > limit then
    redis.call('SET', blockKey, 1, 'PX', blockDuration)
    blocked = '1'
    blockExpiresIn = blockDuration
  end
  if blocked and blockExpiresIn <= 0 then
    redis.call('DEL', blockKey)
    redis.call('SET', hitKey, 1, 'PX', ttl)
    hits, expiresIn, blocked = 1, ttl, false
  end
  table.insert(out, hits)
  table.insert(out, expiresIn)
  table.insert(out, blocked and 1 or 0)
  table.insert(out, blockExpiresIn)
end
return out`;

type CountingClient = Redis & { vigilCounters(numKeys: number, ...args: Array<string | number>): Promise<number[]> };

/**
 * Counts hits in Redis so every instance shares one budget per key. When Redis is unreachable the
 * request is not failed: REDIS_FAILURE_MODE=fallback counts in this process until Redis returns,
 * =open lets the request through uncounted. Without Redis at all, counting is in-process.
 */
@Injectable()
export class ResilientThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new ThrottlerStorageService();
  private readonly shared: CountingClient | null;
  private degraded = false;

  constructor(
    redis: RedisService,
    private readonly config: VigilConfig,
  ) {
    this.shared = redis.client as CountingClient | null;
    this.shared?.defineCommand('vigilCounters', { lua: COUNTERS_SCRIPT });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const [record] = await this.incrementAll([{ key, ttl, limit, blockDuration, name: throttlerName }]);
    return record;
  }

  /** Counts one hit on each counter, atomically and in one round trip when Redis is used. */
  async incrementAll(counters: CounterRequest[]): Promise<ThrottlerStorageRecord[]> {
    if (!this.shared) return this.incrementLocally(counters);
    try {
      const keys = counters.flatMap((c) => [`${c.key}:hits`, `${c.key}:block`]);
      const args = counters.flatMap((c) => [c.ttl, c.limit, c.blockDuration]);
      const flat = await this.shared.vigilCounters(keys.length, ...keys, ...args);
      if (this.degraded) {
        this.degraded = false;
        this.logger.log('Redis is back: rate limits are shared again');
      }
      return counters.map((_c, i) => ({
        totalHits: flat[4 * i],
        timeToExpire: Math.ceil(flat[4 * i + 1] / 1000),
        isBlocked: flat[4 * i + 2] === 1,
        timeToBlockExpire: Math.ceil(flat[4 * i + 3] / 1000),
      }));
    } catch (err) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn({ err, msg: `Redis unavailable for rate limits; mode ${this.config.redis.failureMode}` });
      }
      if (this.config.redis.failureMode === 'open') {
        return counters.map((c) => ({ totalHits: 0, timeToExpire: Math.ceil(c.ttl / 1000), isBlocked: false, timeToBlockExpire: 0 }));
      }
      return this.incrementLocally(counters);
    }
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
  }

  private incrementLocally(counters: CounterRequest[]): Promise<ThrottlerStorageRecord[]> {
    return Promise.all(counters.map((c) => this.local.increment(c.key, c.ttl, c.limit, c.blockDuration, c.name)));
  }
}
