import { Logger } from '@nestjs/common';
import { loadConfig } from '@vigil/config';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { describeWithRedis, testEnv, uniqueRedisPrefix } from '../../../test/support/test-env';
import { RedisService } from './redis.service';

// Connection notices would only be noise here.
beforeAll(() => Logger.overrideLogger(false));

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!condition()) throw new Error(`timed out waiting until ${what}`);
}

/** A real Redis behind a proxy the test cuts off: an outage, as the service sees one. */
describeWithRedis('RedisService during a Redis outage', () => {
  let proxy: TcpProxy;
  let redis: RedisService;

  beforeEach(async () => {
    let url: string;
    ({ proxy, url } = await TcpProxy.startFor(testEnv.redisUrl!, 6379));
    redis = new RedisService(loadConfig({ NODE_ENV: 'test', REDIS_URL: url, REDIS_KEY_PREFIX: uniqueRedisPrefix() }));
  });
  afterEach(async () => {
    await redis.onApplicationShutdown();
    await proxy.stop();
  });

  it('tells an outage (was ready, is not) from a start that has not connected yet', async () => {
    expect(redis.hasBeenReady).toBe(false);
    expect(await redis.waitUntilReady(5000)).toBe(true);
    await proxy.stop();
    await until(() => !redis.isReady, 'the service sees the connection down');
    expect({ isReady: redis.isReady, hasBeenReady: redis.hasBeenReady }).toEqual({ isReady: false, hasBeenReady: true });
  });

  it('shuts down at once while Redis is unreachable, also with a subscriber connection open', async () => {
    expect(await redis.waitUntilReady(5000)).toBe(true);
    const subscriber = redis.subscriberClient();
    await subscriber.subscribe(`${redis.keyPrefix}test-channel`);
    await proxy.stop();
    await until(() => !redis.isReady && subscriber.status !== 'ready', 'both connections are down');
    // A QUIT would wait in the subscriber's offline queue for Redis to come back: shutdown must not.
    await redis.onApplicationShutdown();
    // Closed for good: with Redis back, neither connection comes back (no reconnect timer was left running).
    await proxy.resume();
    await new Promise((r) => setTimeout(r, 2500));
    expect([redis.client!.status, subscriber.status].filter((s) => s === 'ready' || s === 'connect')).toEqual([]);
  });

  it('arms no timer that outlives half a second when shut down during an outage, also when shut down twice (the process can exit)', async () => {
    expect(await redis.waitUntilReady(5000)).toBe(true);
    const subscriber = redis.subscriberClient();
    await subscriber.subscribe(`${redis.keyPrefix}test-channel`);
    await proxy.stop();
    await until(() => !redis.isReady && subscriber.status !== 'ready', 'both connections are down');
    // Every timer armed while shutting down, by its delay (a plain wrapper: ioredis calls the global setTimeout).
    const delays: number[] = [];
    const setTimeoutBefore = global.setTimeout;
    global.setTimeout = ((fn: () => void, ms?: number, ...args: unknown[]) => {
      delays.push(ms ?? 0);
      return setTimeoutBefore(fn, ms, ...args);
    }) as typeof setTimeout;
    try {
      await redis.onApplicationShutdown();
      await redis.onApplicationShutdown();
    } finally {
      global.setTimeout = setTimeoutBefore;
    }
    // ioredis armed a 2 s timer per disconnect of a socket that had closed already: it kept the event loop
    // alive after shutdown, and Jest force-exited the worker of this suite.
    expect(delays.filter((ms) => ms > 500)).toEqual([]);
  });

  it('says goodbye with QUIT when connected', async () => {
    expect(await redis.waitUntilReady(5000)).toBe(true);
    await redis.onApplicationShutdown();
    await until(() => redis.client!.status === 'end', 'the connection is closed');
  });
});

describeWithRedis('RedisService subscriber connection', () => {
  let redis: RedisService;

  beforeEach(() => {
    redis = new RedisService(loadConfig({ NODE_ENV: 'test', REDIS_URL: testEnv.redisUrl, REDIS_KEY_PREFIX: uniqueRedisPrefix() }));
  });
  afterEach(() => redis.onApplicationShutdown());

  it('keeps a subscription made the moment its socket opens (no reconnect that would lose events meanwhile)', async () => {
    const subscriber = redis.subscriberClient();
    const channel = `${redis.keyPrefix}early`;
    let reconnects = 0;
    subscriber.on('reconnecting', () => reconnects++);
    // On a busy machine SUBSCRIBE is often called after the socket opened but before the connection is
    // ready; ioredis then writes it at once, ahead of its INFO ready check.
    await new Promise<void>((resolve) => subscriber.once('connect', () => resolve()));
    await subscriber.subscribe(channel);
    expect(await redis.waitUntilReady(5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await redis.client!.pubsub('NUMSUB', channel)).toEqual([channel, 1]);
    expect(reconnects).toBe(0);
  });
});
