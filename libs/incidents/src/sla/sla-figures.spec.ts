import { AppError, ErrorCode } from '@vigil/common';
import { meanSlaFigures, slaFigures, slaMonth, type RollupTotals } from './sla-figures';

const NOVEMBER_SECONDS = 30 * 86_400;
const november = slaMonth('2026-11', new Date('2026-12-05T00:00:00Z'));
const totals = (t: Partial<RollupTotals>): RollupTotals => ({
  checks: 0,
  successes: 0,
  retriedSuccesses: 0,
  maintenanceChecks: 0,
  maintenanceSuccesses: 0,
  firstCheckBucket: null,
  ...t,
});

function refused(month: string, now = new Date('2026-11-15T00:00:00Z')): AppError {
  try {
    slaMonth(month, now);
  } catch (err) {
    return err as AppError;
  }
  throw new Error(`${month} was accepted`);
}

describe('SLA month', () => {
  it('is a whole UTC month when it is over', () => {
    expect(november).toEqual({
      month: '2026-11',
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-12-01T00:00:00Z'),
      until: new Date('2026-12-01T00:00:00Z'),
      monthSeconds: NOVEMBER_SECONDS,
      complete: true,
    });
    expect(slaMonth('2028-02', new Date('2028-03-01T00:00:00Z')).monthSeconds).toBe(29 * 86_400);
  });

  it('counts the current month up to now', () => {
    const now = new Date('2026-11-15T12:00:00Z');
    expect(slaMonth('2026-11', now)).toMatchObject({ until: now, complete: false, monthSeconds: NOVEMBER_SECONDS });
  });

  it('refuses malformed and future months as VAL_INVALID_QUERY on month', () => {
    for (const bad of ['2026-13', '2026-1', '2026-00', 'november', '26-11', '2026-11-01', '1969-12']) {
      const err = refused(bad);
      expect({ bad, code: err.code, field: err.details?.[0].field }).toEqual({ bad, code: ErrorCode.VAL_INVALID_QUERY, field: 'month' });
    }
    expect(refused('2026-12').details?.[0].message).toBe('month must not be in the future');
  });
});

describe('SLA figures (check-based)', () => {
  it('leaves maintenance out, counts retried successes as up, and turns the failed share into downtime', () => {
    // 1000 checks, 100 in maintenance (95 of them good): 900 counted, 895 good (40 after retries), 5 failed.
    const f = slaFigures(totals({ checks: 1000, successes: 990, retriedSuccesses: 40, maintenanceChecks: 100, maintenanceSuccesses: 95 }), november, 99.9);
    expect(f.checks).toEqual({ total: 1000, in_maintenance: 100, counted: 900, good: 895, failed: 5, succeeded_after_retries: 40 });
    expect(f.achieved_uptime_pct).toBe(99.444444);
    expect(f.met).toBe(false);
    expect(f.observed_seconds).toBe(NOVEMBER_SECONDS);
    expect(f.error_budget).toEqual({
      allowed_downtime_s: 2592,
      allowed_downtime_min: 43.2,
      used_downtime_s: 14_400,
      used_downtime_min: 240,
      remaining_downtime_s: -11_808,
      remaining_downtime_min: -196.8,
      remaining_pct: -455.556,
    });
  });

  it('observes from the first checked hour for an endpoint that started mid-month', () => {
    const f = slaFigures(totals({ checks: 100, successes: 99, firstCheckBucket: new Date('2026-11-16T00:00:00Z') }), november, 99);
    expect(f.observed_from).toBe('2026-11-16T00:00:00.000Z');
    expect(f.observed_seconds).toBe(15 * 86_400);
    expect(f.error_budget.used_downtime_s).toBe(0.01 * 15 * 86_400);
    expect(f.error_budget.allowed_downtime_s).toBe(0.01 * NOVEMBER_SECONDS);
    expect(f.met).toBe(true);
  });

  it('reports nothing measured without counted checks, and the whole budget left', () => {
    const f = slaFigures(totals({ checks: 10, successes: 4, maintenanceChecks: 10, maintenanceSuccesses: 4 }), november, 99.9);
    expect([f.achieved_uptime_pct, f.met, f.error_budget.used_downtime_s, f.error_budget.remaining_pct]).toEqual([null, null, 0, 100]);
    expect(slaFigures(totals({}), november, 100).error_budget.remaining_pct).toBeNull();
  });

  it('combines a tag as the mean of its measured endpoints', () => {
    const a = slaFigures(totals({ checks: 100, successes: 100 }), november, 99.5);
    const b = slaFigures(totals({ checks: 1000, successes: 990 }), november, 99.5);
    const none = slaFigures(totals({}), november, 99.5);
    const mean = meanSlaFigures([a, b, none], november, 99.5);
    expect(mean.achieved_uptime_pct).toBe(99.5);
    expect(mean.met).toBe(true);
    expect(mean.checks.counted).toBe(1100);
    expect(mean.error_budget.used_downtime_s).toBe((0 + 0.01 * NOVEMBER_SECONDS) / 2);
  });
});
