import type { Assertion, ExpectedStatus, HttpMethod, RetryPolicy } from '@vigil/endpoints';

/** Why a check failed: a fixed set, so alerts, analytics and dashboards can group on it. */
export const FAILURE_REASONS = [
  'dns',
  'connect_refused',
  'connect_timeout',
  'tls',
  'timeout',
  'reset',
  'status_mismatch',
  'assertion_failed',
  'body_too_large',
  'blocked_target',
  'too_many_redirects',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface AssertionResult {
  /** Index of the assertion in the endpoint's list. */
  index: number;
  type: Assertion['type'];
  passed: boolean;
  /** What was measured (status, header value, JSON value, days...). */
  actual: unknown;
  message: string;
}

/** Everything the checker needs to run one check; built from an endpoint. */
export interface CheckRequest {
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
  expectedStatus: ExpectedStatus;
  assertions: Assertion[];
  retry: RetryPolicy;
  /** Redirects followed (each one re-checked by the SSRF guard); more is `too_many_redirects`. */
  maxRedirects: number;
}

/**
 * Milliseconds (two decimals) of the final attempt. dns/connect/tls add up the connections opened during the
 * attempt (redirect hops included); first_byte and total count from the start of the attempt, like curl's
 * time_starttransfer and time_total.
 */
export interface PhaseTimings {
  /** 0 when a kept-alive connection was reused. */
  dns_ms: number;
  connect_ms: number;
  tls_ms: number;
  first_byte_ms: number;
  total_ms: number;
  /** Whether the final request went over a kept-alive connection (absent when no connection served it). */
  reused_connection?: boolean;
}

export interface CheckOutcome {
  success: boolean;
  status_code: number | null;
  response_time_ms: number;
  reason: FailureReason | null;
  /** Human-readable detail of a failure (never a stack trace). */
  message: string | null;
  attempts: number;
  timings: PhaseTimings;
  assertions: AssertionResult[];
  /** When the final attempt started. */
  checked_at: Date;
}
