import { Logger } from '@nestjs/common';
import { loadConfig } from '@vigil/config';
import { RedisService } from '@vigil/redis';
import { describeWithRedis, testEnv, uniqueRedisPrefix } from '../../../test/support/test-env';
import { LocalEventBus } from './local-event-bus';
import { RedisEventBus } from './redis-event-bus';

// Redis connection notices would only be noise here.
beforeAll(() => Logger.overrideLogger(false));

/** Resolves once `count` payloads arrived, or rejects after five seconds (a loaded CI machine is slow, never that slow). */
function collect<T>(subscribe: (handler: (payload: T) => void) => () => void, count: number): Promise<T[]> {
  const got: T[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${got.length} of ${count}: ${JSON.stringify(got)}`)), 5000);
    const off = subscribe((payload) => {
      got.push(payload);
      if (got.length < count) return;
      clearTimeout(timer);
      off();
      resolve(got);
    });
  });
}

describeWithRedis('RedisEventBus.publishMany (real Redis, two instances)', () => {
  const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: testEnv.redisUrl, REDIS_KEY_PREFIX: uniqueRedisPrefix() });
  let publisherRedis: RedisService;
  let listenerRedis: RedisService;
  let publisher: RedisEventBus;
  let listener: RedisEventBus;

  beforeAll(async () => {
    publisherRedis = new RedisService(config);
    listenerRedis = new RedisService(config);
    publisher = new RedisEventBus(publisherRedis);
    listener = new RedisEventBus(listenerRedis);
    // Both must be connected for the test to mean anything: a publisher that is not falls back to local delivery.
    expect(await Promise.all([publisherRedis.waitUntilReady(5000), listenerRedis.waitUntilReady(5000)])).toEqual([true, true]);
  });
  afterAll(async () => {
    await publisherRedis.onApplicationShutdown();
    await listenerRedis.onApplicationShutdown();
  });

  it('delivers each payload of a batch to listeners of the channel, one by one and in order, on another instance', async () => {
    const arriving = collect<{ n: number }>((h) => listener.subscribe('test.many', h), 3);
    // The subscription reaches Redis asynchronously, over a connection that may still be opening.
    await listener.subscriptionsSettled();
    await publisher.publishMany('test.many', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await arriving).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('keeps the order of a batch and single events published after it', async () => {
    const arriving = collect<string>((h) => listener.subscribe('test.order', h), 4);
    await listener.subscriptionsSettled();
    void publisher.publishMany('test.order', ['a', 'b']);
    void publisher.publish('test.order', 'c');
    await publisher.publishMany('test.order', ['d']);
    expect(await arriving).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('LocalEventBus.publishMany', () => {
  it('delivers each payload on its own, in order', async () => {
    const bus = new LocalEventBus();
    const got: number[] = [];
    bus.subscribe<number>('x', (n) => got.push(n));
    await bus.publishMany('x', [1, 2, 3]);
    expect(got).toEqual([1, 2, 3]);
  });
});
