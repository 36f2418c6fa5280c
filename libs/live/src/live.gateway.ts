import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { ApiKeysService, hashApiKey } from '@vigil/auth';
import { AppError, ErrorCode, type Principal, toAppError } from '@vigil/common';
import { type RawData, WebSocket } from 'ws';
import { parseClientMessage } from './client-message';
import type { LiveClient } from './live-client';
import { LiveCloseCode } from './live-close-codes';
import { LiveHub } from './live-hub.service';

export const LIVE_PATH = '/ws/live';
/** Client messages are small JSON objects; ws closes a connection that sends a bigger frame (1009). */
const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
/** Messages a client may send before its key has been checked; they are handled once it has. */
const MAX_MESSAGES_BEFORE_AUTH = 16;

/**
 * /ws/live on the HTTP server. The upgrade is accepted, then the key (X-API-Key header, or ?api_key= for
 * browsers, which cannot set headers) is checked: a refusal is a close with 4401 and the AUTH_ code as
 * reason, which a browser can read (an HTTP 401 on the upgrade it cannot). Any role may connect.
 */
@WebSocketGateway({ path: LIVE_PATH, maxPayload: MAX_CLIENT_MESSAGE_BYTES })
export class LiveGateway implements OnGatewayConnection {
  private readonly logger = new Logger('Live');

  constructor(
    private readonly hub: LiveHub,
    private readonly keys: ApiKeysService,
  ) {}

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

  private onMessage(client: LiveClient, data: RawData, isBinary: boolean): void {
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
