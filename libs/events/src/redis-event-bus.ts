import { Logger } from '@nestjs/common';
import type { RedisService } from '@vigil/redis';
import type Redis from 'ioredis';
import type { EventBus, EventHandler } from './event-bus';
import { LocalEventBus } from './local-event-bus';

/**
 * Redis pub/sub: publish goes to Redis, and one subscriber connection per process fans messages out to
 * local handlers. If Redis is down when publishing, the event is delivered to this process only.
 */
export class RedisEventBus implements EventBus {
  private readonly logger = new Logger('Events');
  private readonly local = new LocalEventBus();
  private readonly subscriber: Redis;
  private readonly prefix: string;

  constructor(private readonly redis: RedisService) {
    this.prefix = `${redis.keyPrefix}events:`;
    this.subscriber = redis.subscriberClient();
    this.subscriber.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(this.prefix)) return;
      try {
        this.local.deliver(channel.slice(this.prefix.length), JSON.parse(message));
      } catch (err) {
        this.logger.warn({ err, msg: `dropped an unreadable event on ${channel}` });
      }
    });
  }

  async publish<T>(channel: string, payload: T): Promise<void> {
    // A process that has just started (the CLI revoking a key) may not be connected yet.
    const connected = await this.redis.waitUntilReady(1000);
    try {
      if (!connected) throw new Error('Redis is not connected');
      await this.redis.client!.publish(this.prefix + channel, JSON.stringify(payload));
    } catch (err) {
      // Deliver here only when the PUBLISH surely did not reach Redis; after a timeout it may have, and
      // this instance would then hear the event twice.
      if (connected && this.redis.isReady) {
        this.logger.warn({ err, msg: `Redis publish of ${channel} did not confirm; not redelivered locally` });
        return;
      }
      this.logger.warn({ err, msg: `Redis unavailable; ${channel} delivered to this instance only` });
      this.local.deliver(channel, payload);
    }
  }

  subscribe<T>(channel: string, handler: EventHandler<T>): () => void {
    if (this.local.listenerCount(channel) === 0) {
      this.subscriber.subscribe(this.prefix + channel).catch((err: unknown) => this.logger.warn({ err, msg: `subscribe ${channel} failed` }));
    }
    const off = this.local.subscribe(channel, handler);
    return () => {
      off();
      if (this.local.listenerCount(channel) === 0) void this.subscriber.unsubscribe(this.prefix + channel).catch(() => undefined);
    };
  }
}
