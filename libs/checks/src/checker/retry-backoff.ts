import type { RetryPolicy } from '@vigil/endpoints';

/** Each wait is jittered by up to ±20 %, so endpoints failing together do not retry in lockstep. */
export const BACKOFF_JITTER = 0.2;

/** Attempts a check makes at most: the first one plus `retry.count` retries. */
export function maxAttempts(retry: RetryPolicy | null | undefined): number {
  return 1 + Math.max(0, Math.floor(retry?.count ?? 0));
}

/**
 * The wait before retry number `retry` (0 = the first retry): `initial_backoff_ms * factor^retry`, times a
 * jitter factor in [0.8, 1.2) drawn from `random` (Math.random by default; a test passes a fixed one).
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = Math.max(0, policy.initial_backoff_ms) * Math.max(1, policy.factor) ** retry;
  return Math.round(base * (1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random()));
}

/**
 * The longest a check can take: every attempt timing out plus every backoff at its longest. The scheduler
 * can size a lease with it.
 */
export function worstCaseCheckMs(timeoutMs: number, retry: RetryPolicy | null | undefined): number {
  const attempts = maxAttempts(retry);
  let total = attempts * timeoutMs;
  for (let n = 0; retry && n < attempts - 1; n++) total += backoffDelayMs(retry, n, () => 1);
  return total;
}
