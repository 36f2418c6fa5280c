import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';
import type { CounterRequest, ThrottlerStorageRecord } from './resilient-throttler.storage';

/** What the counters decided for one request: the contract's headers, and the 429 to answer when a counter refused it. */
export interface RateLimitVerdict {
  /** X-RateLimit-Limit, -Remaining and -Reset (epoch seconds) of the caller's own budget. */
  headers: Record<string, string>;
  /** RATE_LIMIT_EXCEEDED with Retry-After (seconds), or null when the request may go on. */
  refusal: AppError | null;
}

/**
 * The answer to one hit on each counter, for HTTP requests and WebSocket upgrades alike. Headers describe the
 * caller's own budget (the counter named `default`); the per-IP cap only ever shows as a 429. `what` names
 * what is counted in the refusal's message.
 */
export function rateLimitVerdict(
  counters: readonly CounterRequest[],
  records: readonly ThrottlerStorageRecord[],
  what = 'requests',
  nowS = Math.floor(Date.now() / 1000),
): RateLimitVerdict {
  const headers: Record<string, string> = {};
  counters.forEach((counter, i) => {
    const record = records[i];
    if (counter.name !== 'default') return;
    headers['X-RateLimit-Limit'] = String(counter.limit);
    headers['X-RateLimit-Remaining'] = String(record.isBlocked ? 0 : Math.max(0, counter.limit - record.totalHits));
    headers['X-RateLimit-Reset'] = String(nowS + (record.isBlocked ? Math.max(1, record.timeToBlockExpire) : record.timeToExpire));
  });
  const blocked = counters.findIndex((_c, i) => records[i].isBlocked);
  if (blocked < 0) return { headers, refusal: null };
  const { name, limit, ttl } = counters[blocked];
  const per = `${limit} ${what} per ${Math.round(ttl / 1000)} s`;
  const refusal = new AppError(
    ErrorCode.RATE_LIMIT_EXCEEDED,
    name === 'default' ? `Rate limit of ${per} exceeded` : `Too many ${what} from this address (${per})`,
    undefined,
    { headers: { 'Retry-After': String(Math.max(1, records[blocked].timeToBlockExpire)) } },
  );
  return { headers, refusal };
}
