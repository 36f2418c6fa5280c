import { randomUUID } from 'node:crypto';
import type { Principal } from '@vigil/common';
import { WebSocket } from 'ws';
import type { LiveCloseCode } from './live-close-codes';

/** How long a closed client has to answer the close frame before its socket is destroyed. */
const CLOSE_GRACE_MS = 5000;

export type SendOutcome = 'sent' | 'too_slow' | 'closed';

/**
 * One authenticated /ws/live connection. Nothing is queued here: a frame is handed to the socket or, when
 * the socket already holds more than the bound, refused, so a slow client costs at most that bound.
 */
export class LiveClient {
  readonly id = randomUUID();
  readonly topics = new Set<string>();
  readonly connectedAt = Date.now();
  /** Pings sent since the client last sent anything. */
  missedPings = 0;
  /** Cancels the timer that closes the connection when its key expires (set by the hub). */
  stopExpiryTimer: () => void = () => undefined;
  private closing = false;

  constructor(
    readonly socket: WebSocket,
    readonly principal: Principal,
    /** SHA-256 of the key it connected with, as ApiKeyRevokedEvent names keys. */
    readonly keyHash: string,
    private readonly maxBufferedBytes: number,
  ) {}

  get isOpen(): boolean {
    return !this.closing && this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: Buffer): SendOutcome {
    if (!this.isOpen) return 'closed';
    if (this.socket.bufferedAmount > this.maxBufferedBytes) return 'too_slow';
    this.socket.send(frame, { binary: false });
    return 'sent';
  }

  /** Any message from the client proves it is alive. */
  heardFrom(): void {
    this.missedPings = 0;
  }

  /** Close frame first (so a live client learns why), then the socket is destroyed if it does not answer. */
  close(code: LiveCloseCode, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const kill = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
    this.socket.once('close', () => clearTimeout(kill));
    this.socket.close(code, reason);
  }
}
