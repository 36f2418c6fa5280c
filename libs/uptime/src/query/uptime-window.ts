import { AppError, ErrorCode, type ErrorDetail } from '@vigil/common';
import { ceilTo, floorTo, UNIT_MS, type RollupUnit } from '../rollups/rollup-units';

/** A window of time the uptime queries answer: [from, to), both on whole UTC minutes. */
export interface UptimeWindow {
  from: Date;
  to: Date;
}

export interface WindowLimits {
  maxWindowDays: number;
  maxBuckets: number;
}

export const UPTIME_PERIODS = ['24h', '7d', '30d'] as const;
export type UptimePeriod = (typeof UPTIME_PERIODS)[number];
const PERIOD_MS: Record<UptimePeriod, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

const DEFAULT_SPAN_MS = 86_400_000;

/** The last `period`, up to the end of the current minute (no check can be stored later than now). */
export function periodWindow(period: UptimePeriod, now: number): UptimeWindow {
  const to = ceilTo(now, 'minute');
  return { from: new Date(to - PERIOD_MS[period]), to: new Date(to) };
}

/**
 * The window a query asks for, under these rules (all refusals are 400 VAL_INVALID_QUERY naming the field):
 * - instants are truncated to the minute (rollups are exact to the minute); `to` is exclusive;
 * - `to` defaults to the end of the current minute and `from` to 24 hours before `to`;
 * - `from` must be before `to`, and the truncated window must hold at least one whole minute;
 * - a window that starts after now is refused; one that ends after now ends at the current minute;
 * - at most `maxWindowDays` long, and with `granularity` at most `maxBuckets` buckets.
 */
export function resolveWindow(query: { from?: string; to?: string }, now: number, limits: WindowLimits, granularity?: RollupUnit): UptimeWindow {
  const requestedTo = query.to !== undefined ? Date.parse(query.to) : ceilTo(now, 'minute');
  const requestedFrom = query.from !== undefined ? Date.parse(query.from) : requestedTo - DEFAULT_SPAN_MS;
  if (requestedFrom >= requestedTo) throw invalid({ field: 'from', message: 'from must be before to', value: query.from });
  const from = floorTo(requestedFrom, 'minute');
  const to = floorTo(requestedTo, 'minute');
  if (to - from < UNIT_MS.minute) {
    throw invalid({ field: 'to', message: 'the window must hold at least one whole minute (from and to are truncated to the minute)', value: query.to });
  }
  if (from > now) throw invalid({ field: 'from', message: 'the window starts in the future: there is nothing to report yet', value: query.from });
  if (to - from > limits.maxWindowDays * UNIT_MS.day) {
    throw invalid({ field: 'from', message: `the window may cover at most ${limits.maxWindowDays} days`, value: query.from });
  }
  const end = Math.min(to, ceilTo(now, 'minute'));
  if (granularity) {
    const buckets = (ceilTo(end, granularity) - floorTo(from, granularity)) / UNIT_MS[granularity];
    if (buckets > limits.maxBuckets) {
      throw invalid({
        field: 'granularity',
        message: `${buckets} ${granularity} buckets exceed the limit of ${limits.maxBuckets}: use a coarser granularity or a shorter window`,
        value: granularity,
      });
    }
  }
  return { from: new Date(from), to: new Date(end) };
}

function invalid(detail: ErrorDetail): AppError {
  return new AppError(ErrorCode.VAL_INVALID_QUERY, 'Invalid query parameters', [detail]);
}
