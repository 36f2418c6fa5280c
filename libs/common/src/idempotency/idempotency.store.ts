import { Injectable, Logger } from '@nestjs/common';
import { VigilConfig } from '@vigil/config';
import { RedisService } from '@vigil/redis';
import { LRUCache } from 'lru-cache';

export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface IdempotencyRecord {
  state: 'running' | 'done';
  fingerprint: string;
  response?: StoredResponse;
}

export type BeginResult = { outcome: 'started' } | { outcome: 'exists'; record: IdempotencyRecord } | { outcome: 'unavailable' };

/**
 * Keeps Idempotency-Key records: a short lock while the first request runs, then its response for
 * IDEMPOTENCY_TTL_S. In Redis when configured (shared by all instances), in process otherwise or, in
 * fallback mode, while Redis is down.
 */
@Injectable()
export class IdempotencyStore {
  private readonly logger = new Logger('Idempotency');
  private readonly local = new LRUCache<string, IdempotencyRecord>({ max: 50_000, ttlAutopurge: false });

  constructor(
    private readonly redis: RedisService,
    private readonly config: VigilConfig,
  ) {}

  async begin(key: string, fingerprint: string): Promise<BeginResult> {
    const running: IdempotencyRecord = { state: 'running', fingerprint };
    return this.withRedis(
      async (client) => {
        for (let attempt = 0; attempt < 2; attempt++) {
          const set = await client.set(this.redisKey(key), JSON.stringify(running), 'EX', this.config.idempotency.lockTtlS, 'NX');
          if (set === 'OK') return { outcome: 'started' } as const;
          const existing = await client.get(this.redisKey(key));
          if (existing) return { outcome: 'exists', record: JSON.parse(existing) as IdempotencyRecord } as const;
        }
        return { outcome: 'started' } as const;
      },
      () => {
        const existing = this.local.get(key);
        if (existing) return { outcome: 'exists', record: existing };
        this.local.set(key, running, { ttl: this.config.idempotency.lockTtlS * 1000 });
        return { outcome: 'started' };
      },
    );
  }

  async complete(key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    const record: IdempotencyRecord = { state: 'done', fingerprint, response };
    await this.withRedis(
      async (client) => void (await client.set(this.redisKey(key), JSON.stringify(record), 'EX', this.config.idempotency.ttlS)),
      () => void this.local.set(key, record, { ttl: this.config.idempotency.ttlS * 1000 }),
    );
  }

  async release(key: string): Promise<void> {
    await this.withRedis(
      async (client) => void (await client.del(this.redisKey(key))),
      () => void this.local.delete(key),
    );
  }

  /** Under REDIS_KEY_PREFIX, like every other Vigil key, so deployments sharing a Redis never see each other's records. */
  private redisKey(key: string): string {
    return `${this.redis.keyPrefix}${key}`;
  }

  private async withRedis<T>(shared: (client: NonNullable<RedisService['client']>) => Promise<T>, local: () => T): Promise<T | { outcome: 'unavailable' }> {
    const client = this.redis.client;
    if (!client) return local();
    try {
      return await shared(client);
    } catch (err) {
      this.logger.warn({ err, msg: `Redis unavailable for idempotency keys; mode ${this.config.redis.failureMode}` });
      return this.config.redis.failureMode === 'fallback' ? local() : { outcome: 'unavailable' };
    }
  }
}
