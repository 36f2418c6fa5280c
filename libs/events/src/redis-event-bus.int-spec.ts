import { Logger } from '@nestjs/common';
import { loadConfig } from '@vigil/config';
import { RedisService } from '@vigil/redis';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { describeWithRedis, testEnv, uniqueRedisPrefix } from '../../../test/support/test-env';
import { LocalEventBus } from './local-event-bus';
import { RedisEventBus } from './redis-event-bus';

// Redis connection notices would only be noise here.
beforeAll(() => Logger.overrideLogger(false));

/**
 * Subscribes through `subscribe`, waits until Redis has confirmed the subscription, and returns `arrived()`:
 * it resolves once `count` payloads arrived, or rejects ten seconds after it is called. The clock starts only
 * then, after the publishing, so a slow connection set-up on a loaded CI machine does not eat into it.
 */
async function collect<T>(
  bus: RedisEventBus,
  subscribe: (handler: (payload: T) => void) => () => void,
  count: number,
): Promise<{ arrived: () => Promise<T[]> }> {
  const got: T[] = [];
  let done: (() => void) | null = null;
  const off = subscribe((payload) => {
    got.push(payload);
    if (got.length >= count) done?.();
  });
  await bus.subscriptionsSettled();
  const arrived = () =>
    new Promise<T[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`received ${got.length} of ${count}: ${JSON.stringify(got)}`));
      }, 10_000);
      done = () => {
        clearTimeout(timer);
        off();
        resolve(got);
      };
      if (got.length >= count) done();
    });
  return { arrived };
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
    // The subscription reaches Redis asynchronously, over a connection that may still be opening.
    const { arrived } = await collect<{ n: number }>(listener, (h) => listener.subscribe('test.many', h), 3);
    await publisher.publishMany('test.many', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await arrived()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('keeps the order of a batch and single events published after it', async () => {
    const { arrived } = await collect<string>(listener, (h) => listener.subscribe('test.order', h), 4);
    void publisher.publishMany('test.order', ['a', 'b']);
    void publisher.publish('test.order', 'c');
    await publisher.publishMany('test.order', ['d']);
    expect(await arrived()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describeWithRedis('RedisEventBus during a Redis outage', () => {
  let proxy: TcpProxy;
  let redis: RedisService;
  let bus: RedisEventBus;

  beforeAll(async () => {
    let url: string;
    ({ proxy, url } = await TcpProxy.startFor(testEnv.redisUrl!, 6379));
    redis = new RedisService(loadConfig({ NODE_ENV: 'test', REDIS_URL: url, REDIS_KEY_PREFIX: uniqueRedisPrefix() }));
    bus = new RedisEventBus(redis);
    expect(await redis.waitUntilReady(5000)).toBe(true);
  });
  afterAll(async () => {
    await redis.onApplicationShutdown();
    await proxy.stop();
  });

  it('delivers events to this instance while Redis is unreachable, single and batched, and through Redis again once it is back', async () => {
    const got: string[] = [];
    bus.subscribe<string>('test.outage', (p) => got.push(p));
    await bus.subscriptionsSettled();
    await proxy.stop();
    for (let i = 0; i < 200 && redis.isReady; i++) await new Promise((r) => setTimeout(r, 25));
    expect(redis.isReady).toBe(false);
    await bus.publish('test.outage', 'during');
    await bus.publishMany('test.outage', ['batch-1', 'batch-2']);
    expect(got).toEqual(['during', 'batch-1', 'batch-2']);

    await proxy.resume();
    expect(await redis.waitUntilReady(10_000)).toBe(true);
    // The subscriber connection reconnects and subscribes again on its own: until it has, an event published
    // through Redis reaches nobody, so publish until one arrives (delivered here only by Redis now).
    got.length = 0;
    for (let i = 0; i < 100 && got.length === 0; i++) {
      await bus.publish('test.outage', 'after');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(got[0]).toBe('after');
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
