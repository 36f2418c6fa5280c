import { Logger } from '@nestjs/common';
import type { RedisService } from '@vigil/redis';
import type Redis from 'ioredis';
import type { EventBus, EventHandler } from './event-bus';
import { LocalEventBus } from './local-event-bus';

/** Redis channel suffix of publishMany: one message holding a JSON array of payloads. */
const BATCH_SUFFIX = '#batch';

/**
 * Redis pub/sub: publish goes to Redis, and one subscriber connection per process fans messages out to
 * local handlers. If Redis is down when publishing, the event is delivered to this process only.
 */
export class RedisEventBus implements EventBus {
  private readonly logger = new Logger('Events');
  private readonly local = new LocalEventBus();
  private readonly subscriber: Redis;
  private readonly prefix: string;
  /** SUBSCRIBE commands sent but not yet confirmed by Redis. */
  private readonly subscribing = new Set<Promise<unknown>>();

  constructor(private readonly redis: RedisService) {
    this.prefix = `${redis.keyPrefix}events:`;
    this.subscriber = redis.subscriberClient();
    this.subscriber.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(this.prefix)) return;
      const name = channel.slice(this.prefix.length);
      try {
        if (!name.endsWith(BATCH_SUFFIX)) this.local.deliver(name, JSON.parse(message));
        else for (const payload of JSON.parse(message) as unknown[]) this.local.deliver(name.slice(0, -BATCH_SUFFIX.length), payload);
      } catch (err) {
        this.logger.warn({ err, msg: `dropped an unreadable event on ${channel}` });
      }
    });
  }

  async publish<T>(channel: string, payload: T): Promise<void> {
    await this.send(channel, channel, JSON.stringify(payload), () => this.local.deliver(channel, payload));
  }

  /** One PUBLISH of a JSON array on `<channel>#batch`; subscribers of `channel` receive each payload on its own. */
  async publishMany<T>(channel: string, payloads: readonly T[]): Promise<void> {
    if (payloads.length === 0) return;
    if (payloads.length === 1) return this.publish(channel, payloads[0]);
    await this.send(channel, channel + BATCH_SUFFIX, JSON.stringify(payloads), () => {
      for (const payload of payloads) this.local.deliver(channel, payload);
    });
  }

  private async send(channel: string, redisChannel: string, message: string, deliverHere: () => void): Promise<void> {
    // A process that has just started (the CLI revoking a key) may not be connected yet: it waits a moment.
    // One that was connected and is not is in an outage: waiting would only delay every publisher (the check
    // writer's batches among them), so the event goes to this instance at once.
    const connected = this.redis.isReady || (!this.redis.hasBeenReady && (await this.redis.waitUntilReady(1000)));
    try {
      if (!connected) throw new Error('Redis is not connected');
      await this.redis.client!.publish(this.prefix + redisChannel, message);
    } catch (err) {
      // Deliver here only when the PUBLISH surely did not reach Redis; after a timeout it may have, and
      // this instance would then hear the event twice.
      if (connected && this.redis.isReady) {
        this.logger.warn({ err, msg: `Redis publish of ${channel} did not confirm; not redelivered locally` });
        return;
      }
      this.logger.warn({ err, msg: `Redis unavailable; ${channel} delivered to this instance only` });
      deliverHere();
    }
  }

  /** Resolves once every subscription made so far is confirmed by Redis (or has failed): events published after it reach this instance. */
  async subscriptionsSettled(): Promise<void> {
    await Promise.all([...this.subscribing]);
  }

  subscribe<T>(channel: string, handler: EventHandler<T>): () => void {
    const channels = [this.prefix + channel, this.prefix + channel + BATCH_SUFFIX];
    if (this.local.listenerCount(channel) === 0) {
      const confirmed = this.subscriber
        .subscribe(...channels)
        .catch((err: unknown) => this.logger.warn({ err, msg: `subscribe ${channel} failed` }))
        .finally(() => this.subscribing.delete(confirmed));
      this.subscribing.add(confirmed);
    }
    const off = this.local.subscribe(channel, handler);
    return () => {
      off();
      if (this.local.listenerCount(channel) === 0) void this.subscriber.unsubscribe(...channels).catch(() => undefined);
    };
  }
}
