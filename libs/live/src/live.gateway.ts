import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import { ApiKeysService, hashApiKey } from '@vigil/auth';
import { AppError, ErrorCode, type Principal, requestIdFrom, routeNotFound, toAppError, UpgradeRateLimiter, writeErrorAnswer } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { type RawData, WebSocket, type WebSocketServer } from 'ws';
import { parseClientMessage } from './client-message';
import type { LiveClient } from './live-client';
import { LiveCloseCode } from './live-close-codes';
import { LiveHub } from './live-hub.service';

export const LIVE_PATH = '/ws/live';
/** Client messages are small JSON objects; ws closes a connection that sends a bigger frame (1009). */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
/** Messages a client may send before its key has been checked; they are handled once it has. */
const MAX_MESSAGES_BEFORE_AUTH = 16;
/** The budget upgrades are counted on: one of their own per caller, apart from the caller's HTTP requests. */
const UPGRADE_BUDGET = 'LiveGateway.upgrade';

/**
 * /ws/live on the HTTP server. The upgrade is rate-limited first: over the limit it is answered with an
 * HTTP 429 and never becomes a WebSocket. Then it is accepted and the key (X-API-Key header, or ?api_key= for
 * browsers, which cannot set headers) is checked: a refusal is a close with 4401 and the AUTH_ code as
 * reason, which a browser can read (an HTTP 401 on the upgrade it cannot). Any role may connect.
 */
@WebSocketGateway({ path: LIVE_PATH, maxPayload: MAX_CLIENT_MESSAGE_BYTES })
export class LiveGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection {
  private readonly logger = new Logger('Live');
  /** The 101's extra headers (X-Request-ID, X-RateLimit-*), from the rate-limit check to the handshake. */
  private readonly admitted = new WeakMap<IncomingMessage, Record<string, string>>();

  constructor(
    private readonly hub: LiveHub,
    private readonly keys: ApiKeysService,
    private readonly limiter: UpgradeRateLimiter,
    private readonly config: VigilConfig,
  ) {}

  /**
   * Upgrades never pass the HTTP guards, so ws's verifyClient hook counts them, before the handshake
   * completes: a refusal is written as a plain HTTP answer (the error envelope with Retry-After and
   * X-RateLimit-*), not an accepted socket closed at once.
   */
  afterInit(server: WebSocketServer): void {
    server.options.verifyClient = ({ req }, done) => {
      const key = presentedKey(req);
      this.limiter
        .check(req, UPGRADE_BUDGET, this.config.rateLimit.wsUpgrades, key ? hashApiKey(key) : null)
        .then((verdict) => {
          if (!verdict.admitted) return done(false, verdict.refusal.status, verdict.refusal.body, verdict.refusal.headers);
          this.admitted.set(req, verdict.headers);
          done(true);
        })
        // Out of the upgrade event's own try/catch now: whatever fails here ends this connection, not the process.
        .catch((err: unknown) => {
          this.logger.error({ err, msg: 'could not complete a /ws/live upgrade' });
          req.socket.destroy();
        });
    };
    // A handshake ws refuses (not a GET, a missing or bad Upgrade / Sec-WebSocket-* header) would be its bare
    // text/html 400 or 405: it gets the error envelope, as every HTTP answer does.
    server.on('wsClientError', (err: Error, socket: Duplex, req: IncomingMessage) => {
      const requestId = requestIdFrom(req.headers['x-request-id']);
      // The versions ws speaks, as it lists them, whenever the request names another one.
      const version = ['13', '8'].includes(String(req.headers['sec-websocket-version'])) ? undefined : { 'Sec-WebSocket-Version': '13, 8' };
      // Not a GET: 404 as on every HTTP route (the contract has no 405).
      const error =
        req.method === 'GET'
          ? new AppError(ErrorCode.VAL_MALFORMED_REQUEST, `Malformed WebSocket handshake: ${err.message}`)
          : routeNotFound(req.method ?? 'UNKNOWN', LIVE_PATH);
      this.logger.warn({ request_id: requestId, code: error.code, msg: `refused a ${LIVE_PATH} handshake: ${err.message}` });
      writeErrorAnswer(socket, error, requestId, version);
    });
    server.on('headers', (headers: string[], req: IncomingMessage) => {
      for (const [name, value] of Object.entries(this.admitted.get(req) ?? {})) headers.push(`${name}: ${value}`);
      this.admitted.delete(req);
    });
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    if (!this.hub.accepting) {
      socket.close(LiveCloseCode.GoingAway, 'server shutting down');
      return;
    }
    let client: LiveClient | undefined;
    const early: Array<[RawData, boolean]> = [];
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (client) return this.onMessage(client, data, isBinary);
      if (early.length < MAX_MESSAGES_BEFORE_AUTH) return void early.push([data, isBinary]);
      socket.close(LiveCloseCode.PolicyViolation, 'too many messages before authentication');
    });

    const key = presentedKey(request);
    this.authenticate(key).then(
      ({ principal, expiresAt }) => {
        if (socket.readyState !== WebSocket.OPEN) return;
        if (!this.hub.accepting) return socket.close(LiveCloseCode.GoingAway, 'server shutting down');
        // The same digest as the auth library's key hash, so a revocation event can name this connection.
        const accepted = this.hub.add(socket, principal, hashApiKey(key), expiresAt);
        client = accepted;
        for (const [data, isBinary] of early.splice(0)) this.onMessage(accepted, data, isBinary);
      },
      (err: unknown) => {
        const error = toAppError(err);
        if (error.code.startsWith('AUTH_')) {
          this.hub.recordAuthFailure();
          socket.close(LiveCloseCode.Unauthorized, error.code);
        } else {
          this.logger.error({ err, msg: 'could not check the API key of a /ws/live connection' });
          socket.close(LiveCloseCode.InternalError, error.code);
        }
      },
    );
  }

  private async authenticate(key: string): Promise<{ principal: Principal; expiresAt: number | null }> {
    if (!key) throw new AppError(ErrorCode.AUTH_MISSING_API_KEY);
    return this.keys.authenticateWithExpiry(key);
  }

  /**
   * A client frame is handled inside ws's event listener, where a throw would end the process for every
   * client: whatever fails closes this connection only (1011), like a 500 on HTTP.
   */
  private onMessage(client: LiveClient, data: RawData, isBinary: boolean): void {
    try {
      this.handleMessage(client, data, isBinary);
    } catch (err) {
      this.logger.error({ err, client_id: client.id, msg: 'could not handle a /ws/live message' });
      client.close(LiveCloseCode.InternalError, ErrorCode.SYS_INTERNAL_ERROR);
    }
  }

  private handleMessage(client: LiveClient, data: RawData, isBinary: boolean): void {
    // A client being closed (evicted, timed out, revoked) may still have frames on the way: ignored.
    if (!client.isOpen) return;
    client.heardFrom();
    const parsed = parseClientMessage(Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]), isBinary);
    if (!parsed.ok) return this.hub.send(client, { type: 'error', code: parsed.code, message: parsed.message });
    const message = parsed.message;
    if (message.type === 'pong') return;
    if (message.type === 'subscribe') {
      const refused = this.hub.subscribe(client, message.topics);
      if (refused) return this.hub.send(client, { type: 'error', code: ErrorCode.VAL_ERROR, message: refused });
    } else {
      this.hub.unsubscribe(client, message.topics);
    }
    this.hub.send(client, { type: 'subscriptions', topics: [...client.topics] });
  }
}

/** The X-API-Key header wins over ?api_key=, as on HTTP routes; '' when neither is given. */
function presentedKey(request: IncomingMessage): string {
  const header = request.headers['x-api-key'];
  const fromHeader = typeof header === 'string' ? header.trim() : '';
  return fromHeader || (new URL(request.url ?? '/', 'http://localhost').searchParams.get('api_key')?.trim() ?? '');
}
