import type { Dispatcher } from 'undici';
import { CheckFailure } from './check-failure';
import type { ConnectionInfo } from './guarded-connector';

export interface ExchangeResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  /** The body when it was kept, else null. */
  body: Buffer | null;
  bodyBytes: number;
  /** performance.now() when the first byte of the response arrived. */
  firstByteAt: number;
  /** performance.now() when the last byte arrived. */
  endAt: number;
}

/**
 * One HTTP request and its response, as an undici dispatch handler: reads at most `maxBodyBytes` of body
 * (more is `body_too_large`, and the connection is destroyed), keeps the body only when asked, and can be
 * failed from outside (the attempt's deadline) at any point, even before a connection serves it.
 */
export class Exchange implements Dispatcher.DispatchHandler {
  readonly done: Promise<ExchangeResponse>;
  /** The connection that served the request: set when the request was written to a socket. */
  connection: ConnectionInfo | null = null;
  /** Whether that connection was opened for this request (its dns/connect/tls costs are ours). */
  freshConnection = false;
  /** The request reached a socket; before that a deadline means the connection was not made in time. */
  requestWritten = false;
  responseStarted = false;

  private resolve!: (response: ExchangeResponse) => void;
  private reject!: (err: Error) => void;
  private controller: Dispatcher.DispatchController | null = null;
  private settled = false;
  private failure: Error | null = null;
  /** The response status, once headers arrived (0 before). */
  status = 0;
  private headers: ExchangeResponse['headers'] = {};
  private chunks: Buffer[] = [];
  private bytes = 0;
  private firstByteAt = 0;

  constructor(
    private readonly maxBodyBytes: number,
    private readonly keepBody: boolean,
    /** A HEAD request: its Content-Length describes a body that never comes. */
    private readonly head: boolean,
    /** Called when a connection takes the request, just before undici writes it (see HttpChecker). */
    private readonly onStart: (exchange: Exchange) => void,
  ) {
    this.done = new Promise<ExchangeResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Ends the exchange with this error and aborts the request (destroying its connection when it has one). */
  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.failure = err;
    this.reject(err);
    this.controller?.abort(err);
  }

  /** Set by HttpChecker when undici writes this request to a socket. */
  attachConnection(info: ConnectionInfo | null, fresh: boolean): void {
    this.requestWritten = true;
    this.connection = info;
    this.freshConnection = fresh;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.settled) {
      controller.abort(this.failure ?? new Error('exchange already ended'));
      return;
    }
    this.controller = controller;
    this.onStart(this);
  }

  onResponseStarted(): void {
    this.firstByteAt ||= performance.now();
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200 || this.settled) return;
    this.firstByteAt ||= performance.now();
    this.responseStarted = true;
    this.status = statusCode;
    this.headers = headers;
    const declared = this.head || statusCode === 204 || statusCode === 304 ? NaN : Number(headers['content-length']);
    if (declared > this.maxBodyBytes) this.tooLarge(`of ${declared} bytes (Content-Length)`);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.bytes += chunk.length;
    if (this.bytes > this.maxBodyBytes) {
      this.tooLarge('');
      return;
    }
    if (this.keepBody) this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    const response: ExchangeResponse = {
      status: this.status,
      headers: this.headers,
      body: this.keepBody ? Buffer.concat(this.chunks) : null,
      bodyBytes: this.bytes,
      firstByteAt: this.firstByteAt,
      endAt: performance.now(),
    };
    // undici gives a kept-alive socket back to its pool one event-loop turn after the response ends
    // (setImmediate in client-h1). Handing the response over after that turn lets the attempt's next request
    // (a redirect hop, a retry) reuse the connection instead of opening another one.
    setImmediate(() => setImmediate(() => this.resolve(response)));
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }

  private tooLarge(size: string): void {
    this.fail(new CheckFailure('body_too_large', `the response body ${size ? `${size} ` : ''}exceeds the ${this.maxBodyBytes}-byte limit`));
  }
}
