import { LatencyHistogram } from '../histogram/latency-histogram';

/** Response-time figures of successful checks, in ms (null when there was none). */
export interface ResponseTimeStats {
  min: number | null;
  avg: number | null;
  max: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** The columns every rollup query returns for a group of rows (sums as SQL returns them: text or numbers). */
export type RollupSumsRow = Record<'checks' | 'successes' | 'retried_successes' | 'maintenance_checks' | 'maintenance_successes' | 'rt_sum', unknown> & {
  rt_min: unknown;
  rt_max: unknown;
  rt_hist: string | null;
};

/** The SQL select list producing a RollupSumsRow from rollup rows `p`. */
export const ROLLUP_SUMS_SQL = `sum(p.checks) AS checks, sum(p.successes) AS successes, sum(p.retried_successes) AS retried_successes,
  sum(p.maintenance_checks) AS maintenance_checks, sum(p.maintenance_successes) AS maintenance_successes,
  sum(p.rt_sum) AS rt_sum, min(p.rt_min) AS rt_min, max(p.rt_max) AS rt_max, sum(p.rt_hist)::text AS rt_hist`;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const orNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Counts and latencies of one endpoint over some rollup rows; merging two is exact. */
export class UptimeAggregate {
  private constructor(
    public checks: number,
    public successes: number,
    public retriedSuccesses: number,
    public maintenanceChecks: number,
    public maintenanceSuccesses: number,
    public rtSum: number,
    public rtMin: number | null,
    public rtMax: number | null,
    readonly histogram: LatencyHistogram,
  ) {}

  static empty(): UptimeAggregate {
    return new UptimeAggregate(0, 0, 0, 0, 0, 0, null, null, new LatencyHistogram());
  }

  /** From a row of sums (all null when no rollup row matched). The histogram must hold one latency per success. */
  static fromRow(row: RollupSumsRow): UptimeAggregate {
    const successes = num(row.successes);
    return new UptimeAggregate(
      num(row.checks),
      successes,
      num(row.retried_successes),
      num(row.maintenance_checks),
      num(row.maintenance_successes),
      num(row.rt_sum),
      orNull(row.rt_min),
      orNull(row.rt_max),
      row.rt_hist === null ? new LatencyHistogram() : LatencyHistogram.fromNumeric(row.rt_hist, successes),
    );
  }

  merge(other: UptimeAggregate): this {
    this.checks += other.checks;
    this.successes += other.successes;
    this.retriedSuccesses += other.retriedSuccesses;
    this.maintenanceChecks += other.maintenanceChecks;
    this.maintenanceSuccesses += other.maintenanceSuccesses;
    this.rtSum += other.rtSum;
    this.rtMin = other.rtMin === null ? this.rtMin : Math.min(this.rtMin ?? Infinity, other.rtMin);
    this.rtMax = other.rtMax === null ? this.rtMax : Math.max(this.rtMax ?? -Infinity, other.rtMax);
    this.histogram.merge(other.histogram);
    return this;
  }

  get failures(): number {
    return this.checks - this.successes;
  }

  /** Percentage of successful checks (4 decimals); null without checks. */
  get uptime(): number | null {
    return this.checks === 0 ? null : round((100 * this.successes) / this.checks, 4);
  }

  /** Mean latency of successful checks, ms (2 decimals). */
  get avgMs(): number | null {
    return this.successes === 0 ? null : round(this.rtSum / this.successes, 2);
  }

  /**
   * A percentile from the histogram, ms (2 decimals): within RELATIVE_ERROR of the exact one. Kept inside
   * [min, max], which only moves it closer to the exact value (a bucket's midpoint can lie past them).
   */
  percentile(p: number): number | null {
    const v = this.histogram.quantile(p);
    if (v === null) return null;
    return round(Math.min(this.rtMax ?? v, Math.max(this.rtMin ?? v, v)), 2);
  }

  responseTime(): ResponseTimeStats {
    return { min: this.rtMin, avg: this.avgMs, max: this.rtMax, p50: this.percentile(50), p95: this.percentile(95), p99: this.percentile(99) };
  }
}
