import type { IncomingHttpHeaders } from 'node:http';
import { WebSocket } from 'ws';

export interface LiveMessage {
  type: string;
  [field: string]: any;
}

export interface Closed {
  code: number;
  reason: string;
}

/** How the server answered an upgrade: 101 with the open socket, or an HTTP answer (status, headers, JSON body) instead. */
export type UpgradeAnswer = { status: 101; headers: IncomingHttpHeaders; socket: LiveSocket } | { status: number; headers: IncomingHttpHeaders; body: any };

export interface OpenOptions {
  via?: 'header' | 'query';
  autoPong?: boolean;
  /** The client address to connect from (127.0.0.x on loopback), so a test can be several client IPs. */
  localAddress?: string;
  headers?: Record<string, string>;
}

interface Waiter {
  match: (m: LiveMessage) => boolean;
  resolve: (m: LiveMessage) => void;
}

/**
 * A /ws/live client for tests: records every message, answers pings unless told not to, and lets a test
 * wait for the next message that matches.
 */
export class LiveSocket {
  /** Messages not yet taken by a wait. */
  readonly inbox: LiveMessage[] = [];
  /** Every message received, in order. */
  readonly received: LiveMessage[] = [];
  readonly closed: Promise<Closed>;
  private readonly waiters = new Set<Waiter>();
  private closedWith: Closed | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly options: { autoPong: boolean },
  ) {
    ws.on('message', (data) => this.onMessage(JSON.parse(data.toString())));
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString() };
        resolve(this.closedWith);
      }),
    );
    ws.on('error', () => undefined);
  }

  static open(baseUrl: string, key: string | undefined, options: OpenOptions = {}): LiveSocket {
    return new LiveSocket(LiveSocket.client(baseUrl, key, options), { autoPong: options.autoPong ?? true });
  }

  /** Sends an upgrade and resolves with the server's answer to it, whether a 101 or a refusal such as a 429. */
  static attempt(baseUrl: string, key: string | undefined, options: OpenOptions = {}): Promise<UpgradeAnswer> {
    const ws = LiveSocket.client(baseUrl, key, options);
    return new Promise((resolve, reject) => {
      ws.once('upgrade', (res) => resolve({ status: 101, headers: res.headers, socket: new LiveSocket(ws, { autoPong: options.autoPong ?? true }) }));
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          ws.on('error', () => undefined);
          ws.terminate();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : null });
        });
      });
      ws.once('error', reject);
    });
  }

  private static client(baseUrl: string, key: string | undefined, options: OpenOptions): WebSocket {
    const url = new URL('/ws/live', baseUrl.replace(/^http/, 'ws'));
    const headers: Record<string, string> = { ...options.headers };
    if (key !== undefined && options.via === 'query') url.searchParams.set('api_key', key);
    else if (key !== undefined) headers['X-API-Key'] = key;
    return new WebSocket(url, { headers, localAddress: options.localAddress });
  }

  /** Opens a connection and waits for connection_established. */
  static async connect(baseUrl: string, key: string, options: OpenOptions = {}): Promise<LiveSocket> {
    const socket = LiveSocket.open(baseUrl, key, options);
    await socket.next('connection_established');
    return socket;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message of that type (or matching the predicate); earlier ones of other types stay in the inbox. */
  next(match: string | ((m: LiveMessage) => boolean), timeoutMs = 5000): Promise<LiveMessage> {
    const test = typeof match === 'string' ? (m: LiveMessage) => m.type === match : match;
    const index = this.inbox.findIndex(test);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match: test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const state = this.closedWith ? `closed ${this.closedWith.code} ${this.closedWith.reason}` : 'open';
        reject(
          new Error(
            `no ${typeof match === 'string' ? match : 'matching'} message in ${timeoutMs} ms (${state}; got ${this.received.map((m) => m.type).join(', ')})`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Subscribes and waits for the acknowledgement; returns the topics the client now holds. */
  async subscribe(...topics: string[]): Promise<string[]> {
    this.send({ type: 'subscribe', topics });
    return (await this.next('subscriptions')).topics;
  }

  async unsubscribe(...topics: string[]): Promise<string[]> {
    this.send({ type: 'unsubscribe', topics });
    return (await this.next('subscriptions')).topics;
  }

  /** Resolves with the close code, or rejects when the connection is still open after the timeout. */
  async waitClosed(timeoutMs = 5000): Promise<Closed> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs)));
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.terminate();
    await this.closed;
  }

  private onMessage(message: LiveMessage): void {
    this.received.push(message);
    if (message.type === 'ping' && this.options.autoPong) this.send({ type: 'pong' });
    for (const waiter of this.waiters) {
      if (waiter.match(message)) {
        this.waiters.delete(waiter);
        waiter.resolve(message);
        return;
      }
    }
    this.inbox.push(message);
  }
}
