import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { bucketOf } from '../histogram/latency-buckets';
import { FIELD_DIGITS } from '../histogram/latency-histogram';
import { ROLLUP_UNITS, type RollupUnit } from './rollup-units';

/** One stored check result, as the rollups count it. */
export interface RollupInput {
  endpointId: string;
  checkedAt: Date;
  success: boolean;
  responseTimeMs: number;
  attempts: number;
  inMaintenance: boolean;
}

/**
 * One upsert per granularity: the batch's results grouped by endpoint and UTC bucket, then added to the
 * row of that bucket (counts and sums added, min/max kept, histograms added as numerics). Latency columns
 * count successful checks only. Rows are taken in key order (ORDER BY before ON CONFLICT), and every batch
 * runs the same statement, so concurrent batches always lock rollup rows in the same order: no deadlock.
 */
const upsert = (unit: RollupUnit) => `
  INSERT INTO uptime_${unit} AS t
    (endpoint_id, bucket_start, checks, successes, retried_successes, maintenance_checks, maintenance_successes, rt_sum, rt_min, rt_max, rt_hist)
  SELECT endpoint_id, date_trunc('${unit}', checked_at, 'UTC'),
         count(*), count(*) FILTER (WHERE success), count(*) FILTER (WHERE success AND attempts > 1),
         count(*) FILTER (WHERE in_maintenance), count(*) FILTER (WHERE in_maintenance AND success),
         coalesce(sum(rt) FILTER (WHERE success), 0), min(rt) FILTER (WHERE success), max(rt) FILTER (WHERE success), sum(hist)
  FROM r
  GROUP BY 1, 2
  ORDER BY 1, 2
  ON CONFLICT (endpoint_id, bucket_start) DO UPDATE SET
    checks = t.checks + excluded.checks,
    successes = t.successes + excluded.successes,
    retried_successes = t.retried_successes + excluded.retried_successes,
    maintenance_checks = t.maintenance_checks + excluded.maintenance_checks,
    maintenance_successes = t.maintenance_successes + excluded.maintenance_successes,
    rt_sum = t.rt_sum + excluded.rt_sum,
    rt_min = least(t.rt_min, excluded.rt_min),
    rt_max = greatest(t.rt_max, excluded.rt_max),
    rt_hist = t.rt_hist + excluded.rt_hist`;

/**
 * The three upserts in one statement (one round trip per batch). A successful check adds 10^(9·bucket)
 * to the histogram: one count in its bucket's field (see LatencyHistogram), written as the literal `1e<n>`
 * (parsing it is exact and cheaper than power()). The bucket is computed here
 * from the one layout (latency-buckets.ts), never in SQL.
 */
const [first, second, last] = ROLLUP_UNITS;
const FOLD_SQL = `
  WITH r AS (
    SELECT endpoint_id, checked_at, success, rt, attempts, in_maintenance,
           CASE WHEN success THEN ('1e' || ${FIELD_DIGITS} * bucket)::numeric ELSE 0 END AS hist
    FROM unnest($1::uuid[], $2::timestamptz[], $3::boolean[], $4::int[], $5::int[], $6::boolean[], $7::int[])
      AS u(endpoint_id, checked_at, success, rt, attempts, in_maintenance, bucket)
  ),
  ${first}_rows AS (${upsert(first)}),
  ${second}_rows AS (${upsert(second)})
  ${upsert(last)}`;

/** The rollup tables' write side: folds stored results into their minute, hour and day rows. */
@Injectable()
export class UptimeRollupsRepository {
  /** Adds a batch of results to the rollups, in the caller's transaction. */
  async fold(m: EntityManager, results: readonly RollupInput[]): Promise<void> {
    if (results.length === 0) return;
    const col = <T>(pick: (r: RollupInput) => T) => results.map(pick);
    const rt = col((r) => Math.max(0, Math.round(r.responseTimeMs)));
    await m.query(FOLD_SQL, [
      col((r) => r.endpointId),
      col((r) => r.checkedAt),
      col((r) => r.success),
      rt,
      col((r) => r.attempts),
      col((r) => r.inMaintenance),
      rt.map(bucketOf),
    ]);
  }
}
