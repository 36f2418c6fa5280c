import { AppError, ErrorCode } from '@vigil/common';

/** One endpoint's rollup totals for the month (sums over uptime_day; see SlaRepository). */
export interface RollupTotals {
  checks: number;
  successes: number;
  retriedSuccesses: number;
  maintenanceChecks: number;
  maintenanceSuccesses: number;
  /** Start of the first rollup bucket with a check this month (hour precision); null without checks. */
  firstCheckBucket: Date | null;
}

/** A UTC calendar month, counted up to `until` (the month's end, or now for the current month). */
export interface SlaMonth {
  month: string;
  from: Date;
  to: Date;
  until: Date;
  monthSeconds: number;
  complete: boolean;
}

export interface SlaFigures {
  checks: { total: number; in_maintenance: number; counted: number; good: number; failed: number; succeeded_after_retries: number };
  /** null when no check counted (nothing to measure). */
  achieved_uptime_pct: number | null;
  met: boolean | null;
  observed_from: string | null;
  observed_seconds: number;
  error_budget: {
    allowed_downtime_s: number;
    allowed_downtime_min: number;
    used_downtime_s: number;
    used_downtime_min: number;
    remaining_downtime_s: number;
    remaining_downtime_min: number;
    /** Share of the budget left, 100 when unused, negative when overspent; null for a 100 % target. */
    remaining_pct: number | null;
  };
}

const MONTH = /^(19[7-9]\d|[2-9]\d{3})-(0[1-9]|1[0-2])$/;

/** `YYYY-MM` as a UTC month up to now; a malformed or future month is VAL_INVALID_QUERY. */
export function slaMonth(month: string, now: Date): SlaMonth {
  const m = MONTH.exec(month);
  if (!m) throw invalidMonth(month, 'month must be YYYY-MM (a UTC calendar month), e.g. 2026-11');
  const from = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  const to = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
  if (from.getTime() > now.getTime()) throw invalidMonth(month, 'month must not be in the future');
  const until = new Date(Math.min(to.getTime(), now.getTime()));
  return { month, from, to, until, monthSeconds: (to.getTime() - from.getTime()) / 1000, complete: until.getTime() === to.getTime() };
}

function invalidMonth(month: string, message: string): AppError {
  return new AppError(ErrorCode.VAL_INVALID_QUERY, 'Invalid query parameters', [{ field: 'month', message, value: month }]);
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The SLA of one endpoint for a month, check-based (see SLA_POLICY):
 * - counted checks = stored checks outside maintenance windows; good = successful, retries or not;
 * - achieved uptime = good / counted;
 * - used downtime = failed share × observed seconds (from the first checked hour of the month, or its
 *   start, to its end or now): each counted check stands for an equal share of the observed time;
 * - allowed downtime = (100 − target) % of the whole month; remaining = allowed − used.
 */
export function slaFigures(t: RollupTotals, month: SlaMonth, targetPct: number): SlaFigures {
  const counted = t.checks - t.maintenanceChecks;
  const good = t.successes - t.maintenanceSuccesses;
  const failed = counted - good;
  const observedFrom = t.firstCheckBucket && t.firstCheckBucket > month.from ? t.firstCheckBucket : t.checks > 0 ? month.from : null;
  const observedSeconds = observedFrom ? Math.max(0, (month.until.getTime() - observedFrom.getTime()) / 1000) : 0;
  const uptime = counted > 0 ? good / counted : null;
  const allowed = ((100 - targetPct) / 100) * month.monthSeconds;
  const used = counted > 0 ? (failed / counted) * observedSeconds : 0;
  return {
    checks: { total: t.checks, in_maintenance: t.maintenanceChecks, counted, good, failed, succeeded_after_retries: t.retriedSuccesses },
    achieved_uptime_pct: uptime === null ? null : round(uptime * 100, 6),
    met: uptime === null ? null : uptime * 100 >= targetPct,
    observed_from: observedFrom?.toISOString() ?? null,
    observed_seconds: round(observedSeconds, 3),
    error_budget: budget(allowed, used),
  };
}

/** The mean of several endpoints' figures (each endpoint weighs the same); endpoints without counted checks are left out. */
export function meanSlaFigures(all: SlaFigures[], month: SlaMonth, targetPct: number): SlaFigures {
  const measured = all.filter((f) => f.achieved_uptime_pct !== null);
  const sum = (pick: (f: SlaFigures) => number, list = all) => list.reduce((s, f) => s + pick(f), 0);
  const mean = (pick: (f: SlaFigures) => number) => (measured.length ? sum(pick, measured) / measured.length : 0);
  const uptime = measured.length ? mean((f) => f.achieved_uptime_pct!) : null;
  const observedFrom =
    all
      .map((f) => f.observed_from)
      .filter((s): s is string => s !== null)
      .sort()[0] ?? null;
  return {
    checks: {
      total: sum((f) => f.checks.total),
      in_maintenance: sum((f) => f.checks.in_maintenance),
      counted: sum((f) => f.checks.counted),
      good: sum((f) => f.checks.good),
      failed: sum((f) => f.checks.failed),
      succeeded_after_retries: sum((f) => f.checks.succeeded_after_retries),
    },
    achieved_uptime_pct: uptime === null ? null : round(uptime, 6),
    met: uptime === null ? null : uptime >= targetPct,
    observed_from: observedFrom,
    observed_seconds: round(
      mean((f) => f.observed_seconds),
      3,
    ),
    error_budget: budget(
      ((100 - targetPct) / 100) * month.monthSeconds,
      mean((f) => f.error_budget.used_downtime_s),
    ),
  };
}

function budget(allowed: number, used: number): SlaFigures['error_budget'] {
  return {
    allowed_downtime_s: round(allowed, 3),
    allowed_downtime_min: round(allowed / 60, 3),
    used_downtime_s: round(used, 3),
    used_downtime_min: round(used / 60, 3),
    remaining_downtime_s: round(allowed - used, 3),
    remaining_downtime_min: round((allowed - used) / 60, 3),
    remaining_pct: allowed > 0 ? round(((allowed - used) / allowed) * 100, 3) : null,
  };
}

/** The accounting rules, returned with every report so a reader never has to guess them. */
export const SLA_POLICY = {
  basis: 'checks',
  month: 'UTC calendar month; the current month counts up to now; a future month is refused',
  counted_checks: 'every stored check, scheduled or manual, outside maintenance windows',
  maintenance: 'excluded: a check marked in_maintenance counts neither as up nor as down',
  degraded: 'up: a check that succeeded only after retries (status degraded) counts as a good check',
  failed_check: 'down: a check that failed after all its retries',
  achieved_uptime: 'good checks / counted checks × 100',
  used_downtime: 'failed checks / counted checks × observed seconds (first checked hour of the month, or its start, to its end or now)',
  allowed_downtime: '(100 − target) % of the whole month',
  incidents: 'incidents overlapping the month, for reference; downtime comes from checks, not from incident durations',
} as const;

export const SLA_TAG_AGGREGATION = 'mean over the endpoints carrying the tag that have counted checks; each endpoint weighs the same whatever its interval';
