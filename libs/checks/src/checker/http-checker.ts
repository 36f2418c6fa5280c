import diagnostics from 'node:diagnostics_channel';
import { setTimeout as delay } from 'node:timers/promises';
import zlib from 'node:zlib';
import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import { Agent } from 'undici';
import { VigilConfig } from '@vigil/config';
import { TargetPolicy } from '@vigil/endpoints';
import type { CheckOutcome, CheckRequest, FailureReason, PhaseTimings } from '../check-types';
import { evaluateAssertions, needsBody } from './assertion-evaluator';
import { CheckFailure } from './check-failure';
import { Exchange, type ExchangeResponse } from './exchange';
import { describeExpectedStatus, matchesExpectedStatus } from './expected-status';
import { classifyFailure } from './failure-classifier';
import { ConnectionLedger, createGuardedConnector, type HostLookup, systemLookup } from './guarded-connector';
import { type OutgoingRequest, outgoingHeaders, outgoingRequest, protocolOf, redirectTarget } from './outgoing-request';
import { backoffDelayMs, maxAttempts } from './retry-backoff';

/** Injection token for HttpCheckerOptions (optional; tests use it). */
export const HTTP_CHECKER_OPTIONS = 'HTTP_CHECKER_OPTIONS';

/** Seams for tests; production needs none of them. */
export interface HttpCheckerOptions {
  /** Host name resolution (default: the system resolver, `.invalid` names refused without asking). */
  lookup?: HostLookup;
  /** The wait between attempts (default: a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** The jitter source in [0, 1) (default: Math.random). */
  random?: () => number;
  /** Extra trusted CA certificates in PEM. */
  ca?: string[];
  /** Longest wait for TCP connect plus TLS handshake (default 10 s; the attempt's timeout applies too). */
  connectTimeoutMs?: number;
  /** How long close() lets running checks finish before cutting their connections (default 2 s). */
  closeGraceMs?: number;
}

type AttemptOutcome = Omit<CheckOutcome, 'attempts'>;

/**
 * What an attempt's first request needs from a CheckRequest, worked out once per request object: why its URL
 * itself is refused (a literal blocked address, a bad scheme), or its first hop and whether assertions read the body.
 */
type PreparedRequest = { problem: string } | (OutgoingRequest & { problem: null; keepBody: boolean });

const SEND_HEADERS = 'undici:client:sendHeaders';
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Runs HTTP checks: one undici Agent with keep-alive pools for every target, the SSRF guard in its connector,
 * phase timings, a body cap, a deadline per attempt, manual redirects (each hop checked again), assertions
 * and retries with jittered exponential backoff. check() never throws for anything a target does: every
 * failure is one FailureReason with a short message.
 */
@Injectable()
export class HttpChecker implements OnModuleDestroy {
  private readonly agent: Agent;
  private readonly policy: TargetPolicy;
  private readonly ledger = new ConnectionLedger();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly maxBodyBytes: number;
  private readonly closeGraceMs: number;
  /**
   * Parsed URLs, outgoing headers and literal-address verdicts by request object: the scheduler keeps one
   * CheckRequest per endpoint definition, so a check of an endpoint seen before parses nothing again.
   */
  private readonly prepared = new WeakMap<CheckRequest, PreparedRequest>();
  /** Outgoing headers of body-less requests by their endpoint headers object (the scheduler shares equal ones). */
  private readonly bodylessHeaders = new WeakMap<object, Record<string, string>>();
  /** The exchange undici is about to write (set in its onRequestStart, taken by the sendHeaders message). */
  private starting: Exchange | null = null;
  private closed = false;

  constructor(config: VigilConfig, @Optional() @Inject(HTTP_CHECKER_OPTIONS) options?: HttpCheckerOptions) {
    this.policy = new TargetPolicy(config.checks.targetAllowlist);
    this.maxBodyBytes = config.checks.maxBodyBytes;
    this.sleep = options?.sleep ?? ((ms) => delay(ms));
    this.random = options?.random ?? Math.random;
    this.closeGraceMs = options?.closeGraceMs ?? 2000;
    this.agent = new Agent({
      // As many connections per origin as checks may run at once: a check never queues behind another.
      connections: config.checks.concurrency,
      pipelining: 1,
      allowH2: false,
      connect: createGuardedConnector({
        policy: this.policy,
        lookup: options?.lookup ?? systemLookup,
        ledger: this.ledger,
        connectTimeoutMs: options?.connectTimeoutMs ?? 10_000,
        ca: options?.ca,
      }),
    });
    diagnostics.subscribe(SEND_HEADERS, this.onSendHeaders);
  }

  /** Runs one check: up to 1 + retry.count attempts; the outcome is the last attempt's. */
  async check(req: CheckRequest): Promise<CheckOutcome> {
    const limit = maxAttempts(req.retry);
    for (let attempts = 1; ; attempts++) {
      const outcome = await this.attempt(req);
      // A blocked target stays blocked: retrying would only repeat the refusal.
      if (outcome.success || attempts >= limit || outcome.reason === 'blocked_target') return { ...outcome, attempts };
      await this.sleep(backoffDelayMs(req.retry, attempts - 1, this.random));
    }
  }

  /** Lets running checks finish for a short grace, then cuts every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    diagnostics.unsubscribe(SEND_HEADERS, this.onSendHeaders);
    const graceful = this.agent.close().then(() => true);
    const timer = delay(this.closeGraceMs, false, { ref: false });
    if (!(await Promise.race([graceful, timer]))) await this.agent.destroy();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private readonly onSendHeaders = (message: unknown): void => {
    const exchange = this.starting;
    if (!exchange) return;
    this.starting = null;
    const { info, fresh } = this.ledger.claim((message as { socket: object }).socket);
    exchange.attachConnection(info, fresh);
  };

  /** One attempt: the request, its redirects and the judgement, all within req.timeoutMs. */
  private async attempt(req: CheckRequest): Promise<AttemptOutcome> {
    const checkedAt = new Date();
    const started = performance.now();
    const spent = { dns: 0, connect: 0, tls: 0, reused: undefined as boolean | undefined };
    const state: { hop: OutgoingRequest | null; current: Exchange | null; redirected: boolean; expired: boolean; status: number | null } = {
      hop: null,
      current: null,
      redirected: false,
      expired: false,
      status: null,
    };
    const deadlineFailure = () =>
      state.current?.requestWritten
        ? new CheckFailure('timeout', `no complete response within ${req.timeoutMs} ms`)
        : new CheckFailure('connect_timeout', `no connection to ${state.hop ? new URL(state.hop.href).host : 'the target'} within ${req.timeoutMs} ms`);
    const deadline = setTimeout(() => {
      state.expired = true;
      state.current?.fail(deadlineFailure());
    }, req.timeoutMs);

    const timingsNow = (firstByteAt = started, endAt = performance.now()): PhaseTimings => ({
      dns_ms: round(spent.dns),
      connect_ms: round(spent.connect),
      tls_ms: round(spent.tls),
      first_byte_ms: round(firstByteAt - started),
      total_ms: round(endAt - started),
      reused_connection: spent.reused,
    });
    const counted = new Set<Exchange>();
    const countConnection = (exchange: Exchange | null) => {
      if (!exchange?.requestWritten || counted.has(exchange)) return;
      counted.add(exchange);
      if (exchange.freshConnection && exchange.connection) {
        spent.dns += exchange.connection.dnsMs;
        spent.connect += exchange.connection.connectMs;
        spent.tls += exchange.connection.tlsMs;
      }
      spent.reused = !exchange.freshConnection;
    };
    const failed = (reason: FailureReason, message: string): AttemptOutcome => {
      const timings = timingsNow();
      const text = state.redirected && reason === 'blocked_target' ? `redirect to ${state.hop?.origin} refused: ${message}` : message;
      return {
        success: false,
        status_code: state.status,
        response_time_ms: Math.round(timings.total_ms),
        reason,
        message: text,
        timings,
        assertions: [],
        checked_at: checkedAt,
      };
    };

    try {
      const prepared = this.prepare(req);
      if (prepared.problem !== null) return failed('blocked_target', prepared.problem);
      const { keepBody } = prepared;
      let hop: OutgoingRequest = prepared;
      state.hop = hop;

      for (let redirects = 0; ; redirects++) {
        if (state.expired) throw deadlineFailure();
        const first = this.send(hop, keepBody, state);
        const response = await first.done.catch((err: Error) => {
          if (state.expired || !this.staleConnection(first, hop, err)) throw err;
          return this.send(hop, keepBody, state).done;
        });
        const served = state.current;
        countConnection(served);
        state.status = response.status;

        const next = matchesExpectedStatus(response.status, req.expectedStatus) ? null : redirectTarget(hop, response.status, response.headers.location);
        if (!next) return this.judge(req, hop, response, served, timingsNow(response.firstByteAt, response.endAt), checkedAt);
        if (redirects >= req.maxRedirects) {
          return failed('too_many_redirects', `more than ${req.maxRedirects} redirect${req.maxRedirects === 1 ? '' : 's'} (the next one to ${next.origin})`);
        }
        hop = next;
        state.hop = hop;
        state.redirected = true;
        const hopProblem = this.policy.literalHostProblem(hop.href);
        if (hopProblem) return failed('blocked_target', hopProblem);
      }
    } catch (err) {
      // What the failed exchange got to: its status, and the cost of a connection it opened.
      if (state.current?.status) state.status = state.current.status;
      countConnection(state.current);
      const url = state.hop ? new URL(state.hop.href) : undefined;
      const target = { host: url?.hostname ?? '?', port: url?.port || (url?.protocol === 'https:' ? 443 : 80) };
      const { reason, message } = classifyFailure(err, target, state.current?.requestWritten ? 'response' : 'connect');
      return failed(reason, message);
    } finally {
      clearTimeout(deadline);
      if (this.starting === state.current) this.starting = null;
    }
  }

  private prepare(req: CheckRequest): PreparedRequest {
    let prepared = this.prepared.get(req);
    if (!prepared) {
      const problem = this.policy.literalHostProblem(req.url);
      if (problem !== null) prepared = { problem };
      else {
        const first = outgoingRequest(new URL(req.url), req.method, this.headersOf(req), req.body, req.url);
        prepared = { ...first, problem: null, keepBody: needsBody(req.assertions ?? []) };
      }
      this.prepared.set(req, prepared);
    }
    return prepared;
  }

  private headersOf(req: CheckRequest): Record<string, string> {
    if (req.body !== null) return outgoingHeaders(req.headers, req.body);
    let headers = this.bodylessHeaders.get(req.headers);
    if (!headers) this.bodylessHeaders.set(req.headers, (headers = outgoingHeaders(req.headers, null)));
    return headers;
  }

  /** Hands one request to undici and makes it the attempt's current exchange (the one its deadline fails). */
  private send(hop: OutgoingRequest, keepBody: boolean, state: { current: Exchange | null }): Exchange {
    const exchange = new Exchange(this.maxBodyBytes, keepBody, hop.method === 'HEAD', (ex) => (this.starting = ex));
    state.current = exchange;
    this.agent.dispatch({ origin: hop.origin, path: hop.path, method: hop.method, headers: hop.headers, body: hop.body }, exchange);
    return exchange;
  }

  /**
   * A kept-alive connection the server had just closed: the request broke before any response byte. Like
   * browsers, an idempotent request is sent once more (on a new connection) instead of failing the check.
   */
  private staleConnection(exchange: Exchange, hop: OutgoingRequest, err: Error): boolean {
    if (!exchange.requestWritten || exchange.freshConnection || exchange.responseStarted || !IDEMPOTENT.has(hop.method)) return false;
    return classifyFailure(err, { host: '', port: '' }, 'response').reason === 'reset';
  }

  /** The final response: expected status, then assertions. */
  private judge(
    req: CheckRequest,
    hop: OutgoingRequest,
    response: ExchangeResponse,
    served: Exchange | null,
    timings: PhaseTimings,
    checkedAt: Date,
  ): AttemptOutcome {
    const body = response.body ? decodeBody(response.body, response.headers['content-encoding'], this.maxBodyBytes) : '';
    if (body === null) {
      return {
        success: false,
        status_code: response.status,
        response_time_ms: Math.round(timings.total_ms),
        reason: 'body_too_large',
        message: `the decompressed response body exceeds the ${this.maxBodyBytes}-byte limit`,
        timings,
        assertions: [],
        checked_at: checkedAt,
      };
    }
    const assertions = evaluateAssertions(req.assertions ?? [], {
      status: response.status,
      headers: response.headers,
      body,
      responseTimeMs: timings.total_ms,
      protocol: protocolOf(hop),
      certificateValidTo: served?.connection?.certificateValidTo ?? null,
    });
    const failedAssertions = assertions.filter((a) => !a.passed);
    let reason: FailureReason | null = null;
    let message: string | null = null;
    if (!matchesExpectedStatus(response.status, req.expectedStatus)) {
      reason = 'status_mismatch';
      message = `expected status ${describeExpectedStatus(req.expectedStatus)}, got ${response.status}`;
    } else if (failedAssertions.length > 0) {
      const first = failedAssertions[0];
      const more = failedAssertions.length > 1 ? ` (and ${failedAssertions.length - 1} more)` : '';
      reason = 'assertion_failed';
      message = `assertion ${first.index} (${first.type}) failed: ${first.message}${more}`;
    }
    return {
      success: reason === null,
      status_code: response.status,
      response_time_ms: Math.round(timings.total_ms),
      reason,
      message,
      timings,
      assertions,
      checked_at: checkedAt,
    };
  }
}

/** The body as text, decompressed when the server compressed it; null when decompressing exceeds the cap. */
function decodeBody(raw: Buffer, encoding: string | string[] | undefined, maxBytes: number): string | null {
  const coding = (Array.isArray(encoding) ? encoding[0] : (encoding ?? '')).trim().toLowerCase();
  const options = { maxOutputLength: maxBytes };
  try {
    if (coding === 'gzip' || coding === 'x-gzip') return zlib.gunzipSync(raw, options).toString('utf8');
    if (coding === 'deflate') return zlib.inflateSync(raw, options).toString('utf8');
    if (coding === 'br') return zlib.brotliDecompressSync(raw, options).toString('utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return null;
  }
  return raw.toString('utf8');
}

function round(ms: number): number {
  return Math.max(0, Math.round(ms * 100) / 100);
}
