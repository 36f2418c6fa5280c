import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { VigilConfig } from '@vigil/config';
import Redis from 'ioredis';

/** Longest wait for Redis to acknowledge QUIT at shutdown. */
const QUIT_TIMEOUT_MS = 1000;
/**
 * How long ioredis waits, after disconnect() ended the socket, for it to close before destroying it. It arms
 * this timer even for a socket that closed already (a client reconnecting during an outage), where nothing
 * clears it: with the default 2 s, a process shut down during an outage kept its event loop alive that long
 * (and Jest force-exited the worker of a suite that did so). A FIN on a live connection takes far less.
 */
const DISCONNECT_TIMEOUT_MS = 200;

/**
 * The shared Redis connection, or none when REDIS_URL is unset. Commands fail fast while Redis is
 * down (no offline queue) so callers can fall back; the client keeps reconnecting in the background.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client: Redis | null;
  readonly keyPrefix: string;
  private subscriber: Redis | null = null;
  private lastState: 'up' | 'down' | null = null;
  private connectedOnce = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly config: VigilConfig) {
    this.keyPrefix = config.redis.keyPrefix;
    this.client = config.redis.url ? this.connect('main') : null;
    if (!this.client) {
      this.logger.warn('REDIS_URL is not set: rate limits, idempotency keys and events are kept in this process only (per-process limits)');
    }
  }

  get enabled(): boolean {
    return this.client !== null;
  }

  get isReady(): boolean {
    return this.client?.status === 'ready';
  }

  /** The main connection has been ready at least once: a process past its start-up, for which not ready means an outage. */
  get hasBeenReady(): boolean {
    return this.connectedOnce;
  }

  /** Resolves true once the main connection is ready (at once if it is), false after the timeout. */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    const client = this.client;
    if (!client) return false;
    if (client.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      client.once('ready', onReady);
    });
  }

  /** A second connection for SUBSCRIBE (a subscribed connection cannot run other commands). */
  subscriberClient(): Redis {
    if (!this.config.redis.url) throw new Error('Redis is not configured');
    this.subscriber ??= this.connect('subscriber');
    return this.subscriber;
  }

  async ping(timeoutMs = this.config.redis.commandTimeoutMs): Promise<boolean> {
    if (!this.client) return false;
    try {
      await withTimeout(this.client.ping(), timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Closes both connections: QUIT when connected (replies still on their way arrive first), at most
   * QUIT_TIMEOUT_MS; a connection that is down is dropped at once. (The subscriber queues commands while
   * disconnected, so a QUIT sent during an outage would wait for Redis to return, and shutdown with it.)
   */
  onApplicationShutdown(): Promise<void> {
    // Once: disconnecting a closed client again arms another disconnect timer (see DISCONNECT_TIMEOUT_MS).
    return (this.closing ??= this.close());
  }

  private async close(): Promise<void> {
    await Promise.all(
      [this.client, this.subscriber]
        .filter((c): c is Redis => c !== null)
        .map(async (c) => {
          if (c.status !== 'ready') return c.disconnect();
          await withTimeout(c.quit(), QUIT_TIMEOUT_MS).catch(() => c.disconnect());
        }),
    );
  }

  private connect(role: 'main' | 'subscriber'): Redis {
    const subscriber = role === 'subscriber';
    const client = new Redis(this.config.redis.url!, {
      enableOfflineQueue: subscriber,
      // Commands issued in the same tick (the rate-limit counters of concurrent requests) share one socket
      // write: a write per request was the largest cost of the API's hot path (bench:api).
      enableAutoPipelining: !subscriber,
      // The subscriber queues SUBSCRIBE until Redis answers (ioredis re-subscribes after reconnects);
      // the main client fails fast so callers can fall back.
      maxRetriesPerRequest: subscriber ? null : 1,
      // ioredis writes SUBSCRIBE as soon as the socket is open, before its ready check; the check's INFO then
      // fails on the now-subscribed connection, which is dropped and re-subscribed later, and events
      // published in between were lost (a batch right after start-up, seen on a loaded CI machine).
      enableReadyCheck: !subscriber,
      connectTimeout: 2000,
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
      commandTimeout: subscriber ? undefined : this.config.redis.commandTimeoutMs,
      retryStrategy: (times) => Math.min(times * 200, 2000),
      lazyConnect: false,
    });
    client.on('ready', () => {
      if (role === 'main') this.connectedOnce = true;
      this.track('up', role);
    });
    client.on('error', (err: Error) => this.track('down', role, err));
    client.on('end', () => this.track('down', role));
    return client;
  }

  private track(state: 'up' | 'down', role: 'main' | 'subscriber', err?: Error): void {
    if (role !== 'main' || state === this.lastState) return;
    this.lastState = state;
    if (state === 'up') this.logger.log('Redis connection is up');
    else this.logger.warn(`Redis connection is down${err ? `: ${err.message}` : ''}; falling back until it returns (mode ${this.config.redis.failureMode})`);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Redis command timed out')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
