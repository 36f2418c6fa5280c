import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, type Principal } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { EndpointsService } from '@vigil/endpoints';
import { type ApiKeyRevokedEvent, EventBus, VigilEvents } from '@vigil/events';
import type { WebSocket } from 'ws';
import { onKeyExpiry } from './key-expiry';
import { LiveClient } from './live-client';
import { LiveCloseCode } from './live-close-codes';
import { LIVE_EVENT_ROUTES } from './live-event-routes';
import { DEFAULT_TOPICS, topicFamily } from './live-topics';
import type { LiveStatsDto } from './dto/live-stats.dto';

/** Topics one client may hold at once (endpoint:<id> topics included). */
export const MAX_TOPICS_PER_CLIENT = 500;
/** Pings a client may leave unanswered; at the next ping it is closed. */
const MAX_MISSED_PINGS = 2;
/** How long shutdown waits for clients to answer the 1001 close frame. */
const SHUTDOWN_WAIT_MS = 1000;

/**
 * The connected clients of this instance and everything sent to them. It listens once per process to each
 * EventBus channel in LIVE_EVENT_ROUTES (Redis pub/sub: events from every instance and worker) and fans each
 * event out to the local subscribers of its topics, serialized once. It also runs the two timers: ping and
 * status_update.
 */
@Injectable()
export class LiveHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Live');
  private readonly clients = new Map<string, LiveClient>();
  private readonly subscribers = new Map<string, Set<LiveClient>>();
  private readonly unsubscribers: Array<() => void> = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly startedAt = new Date();
  private readonly counters = { connectionsTotal: 0, authFailures: 0, messagesSent: 0, evictions: 0, heartbeatTimeouts: 0 };
  private statusRunning = false;
  private stopping = false;

  constructor(
    private readonly config: VigilConfig,
    private readonly events: EventBus,
    private readonly endpoints: EndpointsService,
  ) {}

  onModuleInit(): void {
    for (const route of LIVE_EVENT_ROUTES) {
      this.unsubscribers.push(
        this.events.subscribe(route.channel, (payload) => {
          if (typeof payload !== 'object' || payload === null) return;
          // `type` first in the JSON, and never overridden by a payload field.
          this.broadcast(route.topics(payload), Object.assign({ type: route.type }, payload, { type: route.type }));
        }),
      );
    }
    this.unsubscribers.push(this.events.subscribe<ApiKeyRevokedEvent>(VigilEvents.ApiKeyRevoked, ({ key_hash }) => this.closeKey(key_hash)));
    // unref: the timers never keep the process alive on their own.
    this.timers.push(setInterval(() => this.pingAll(), this.config.live.pingIntervalS * 1000).unref());
    this.timers.push(setInterval(() => void this.sendStatus(), this.config.live.statusIntervalS * 1000).unref());
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.timers.splice(0).forEach((t) => clearInterval(t));
    this.unsubscribers.splice(0).forEach((off) => off());
    const closed = [...this.clients.values()].map((c) => new Promise<void>((resolve) => c.socket.once('close', () => resolve())));
    for (const client of this.clients.values()) client.close(LiveCloseCode.GoingAway, 'server shutting down');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS).unref()))]);
    clearTimeout(timer);
  }

  get accepting(): boolean {
    return !this.stopping;
  }

  /**
   * Registers an authenticated socket with the default topics and greets it. A key with an expiry gets a
   * timer that closes the connection when it expires, as the key's next HTTP request would be refused.
   */
  add(socket: WebSocket, principal: Principal, keyHash: string, keyExpiresAt: number | null): LiveClient {
    const client = new LiveClient(socket, principal, keyHash, this.config.live.maxBufferedBytes);
    this.clients.set(client.id, client);
    this.counters.connectionsTotal++;
    socket.once('close', () => this.remove(client));
    this.addTopics(client, DEFAULT_TOPICS);
    this.send(client, {
      type: 'connection_established',
      client_id: client.id,
      heartbeat_interval_s: this.config.live.pingIntervalS,
      topics: [...client.topics],
    });
    if (keyExpiresAt !== null) {
      client.stopExpiryTimer = onKeyExpiry(keyExpiresAt, () => this.drop(client, LiveCloseCode.Unauthorized, ErrorCode.AUTH_EXPIRED_API_KEY));
    }
    return client;
  }

  recordAuthFailure(): void {
    this.counters.authFailures++;
  }

  /** Adds topics; refused whole (returns the reason) when the client would hold too many. */
  subscribe(client: LiveClient, topics: readonly string[]): string | null {
    if (!this.clients.has(client.id)) return null;
    const added = topics.filter((t) => !client.topics.has(t)).length;
    if (client.topics.size + added > MAX_TOPICS_PER_CLIENT) {
      return `A client holds at most ${MAX_TOPICS_PER_CLIENT} topics; unsubscribe from some first`;
    }
    this.addTopics(client, topics);
    return null;
  }

  unsubscribe(client: LiveClient, topics: readonly string[]): void {
    for (const topic of topics) {
      client.topics.delete(topic);
      const set = this.subscribers.get(topic);
      set?.delete(client);
      if (set?.size === 0) this.subscribers.delete(topic);
    }
  }

  /** A message to one client (replies, errors); a slow client is evicted instead. */
  send(client: LiveClient, message: object): void {
    this.deliver(client, Buffer.from(JSON.stringify(message)));
  }

  /** A message to every client subscribed to any of the topics, once each. */
  broadcast(topics: readonly string[], message: object): void {
    const targets = new Set<LiveClient>();
    for (const topic of topics) this.subscribers.get(topic)?.forEach((c) => targets.add(c));
    if (targets.size === 0) return;
    const frame = Buffer.from(JSON.stringify(message));
    for (const client of targets) this.deliver(client, frame);
  }

  stats(): LiveStatsDto {
    const subscriptions = { status: 0, checks: 0, alerts: 0, providers: 0, logs: 0, endpoint: 0 };
    for (const [topic, set] of this.subscribers) subscriptions[topicFamily(topic)] += set.size;
    return {
      connected_clients: this.clients.size,
      subscriptions,
      endpoint_topics: [...this.subscribers.keys()].filter((t) => topicFamily(t) === 'endpoint').length,
      messages_sent: this.counters.messagesSent,
      evictions: this.counters.evictions,
      heartbeat_timeouts: this.counters.heartbeatTimeouts,
      auth_failures: this.counters.authFailures,
      connections_total: this.counters.connectionsTotal,
      started_at: this.startedAt.toISOString(),
      uptime_s: Math.floor((Date.now() - this.startedAt.getTime()) / 1000),
      limits: {
        ping_interval_s: this.config.live.pingIntervalS,
        status_interval_s: this.config.live.statusIntervalS,
        max_buffered_bytes: this.config.live.maxBufferedBytes,
        max_topics_per_client: MAX_TOPICS_PER_CLIENT,
      },
    };
  }

  private deliver(client: LiveClient, frame: Buffer): void {
    const outcome = client.send(frame);
    if (outcome === 'sent') {
      this.counters.messagesSent++;
    } else if (outcome === 'too_slow') {
      this.counters.evictions++;
      this.logger.warn(`evicted slow client ${client.id} (key ${client.principal.prefix}): send buffer over ${this.config.live.maxBufferedBytes} bytes`);
      this.drop(client, LiveCloseCode.TooSlow, 'slow consumer: send buffer over its bound');
    }
  }

  private pingAll(): void {
    const frame = Buffer.from(JSON.stringify({ type: 'ping', timestamp: new Date().toISOString() }));
    for (const client of [...this.clients.values()]) {
      if (client.missedPings >= MAX_MISSED_PINGS) {
        this.counters.heartbeatTimeouts++;
        this.drop(client, LiveCloseCode.HeartbeatTimeout, `heartbeat timeout: no answer to ${MAX_MISSED_PINGS} pings`);
        continue;
      }
      client.missedPings++;
      this.deliver(client, frame);
    }
  }

  /** One count query per tick for all status subscribers, skipped when there are none or the last is still running. */
  private async sendStatus(): Promise<void> {
    if (this.statusRunning || !this.subscribers.get('status')?.size) return;
    this.statusRunning = true;
    try {
      const endpoints = await this.endpoints.countByStatus();
      if (this.stopping) return;
      this.broadcast(['status'], { type: 'status_update', timestamp: new Date().toISOString(), endpoints, connected_clients: this.clients.size });
    } catch (err) {
      this.logger.warn({ err, msg: 'status_update skipped: could not count endpoints' });
    } finally {
      this.statusRunning = false;
    }
  }

  /** A key revoked on any instance ends its streams at once, as it ends its HTTP access. */
  private closeKey(keyHash: string): void {
    for (const client of [...this.clients.values()]) {
      if (client.keyHash === keyHash) this.drop(client, LiveCloseCode.Unauthorized, ErrorCode.AUTH_REVOKED_API_KEY);
    }
  }

  private addTopics(client: LiveClient, topics: readonly string[]): void {
    for (const topic of topics) {
      client.topics.add(topic);
      let set = this.subscribers.get(topic);
      if (!set) this.subscribers.set(topic, (set = new Set()));
      set.add(client);
    }
  }

  /** Stops all sends to the client at once, then closes it. */
  private drop(client: LiveClient, code: LiveCloseCode, reason: string): void {
    this.remove(client);
    client.close(code, reason);
  }

  private remove(client: LiveClient): void {
    if (!this.clients.delete(client.id)) return;
    client.stopExpiryTimer();
    this.unsubscribe(client, [...client.topics]);
  }
}
