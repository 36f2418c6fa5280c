import { Injectable } from '@nestjs/common';
import { type PgArrayElement, pgArrayLiteral } from '@vigil/database';
import type { EntityManager, QueryRunner } from 'typeorm';
import { bucketOf } from '../histogram/latency-buckets';
import { FIELD_DIGITS } from '../histogram/latency-histogram';
import { HOUR_LOCK_CLASS, hourNumber } from './rollup-locks';
import { floorTo, UNIT_MS, type RollupUnit } from './rollup-units';

/** One stored check result, as the rollups count it. */
export interface RollupInput {
  endpointId: string;
  checkedAt: Date;
  success: boolean;
  responseTimeMs: number;
  attempts: number;
  inMaintenance: boolean;
}

/** What compacting one hour wrote. */
export interface CompactedHour {
  hour: Date;
  hourRows: number;
  dayRows: number;
}

const VALUE_COLUMNS = [
  'checks',
  'successes',
  'retried_successes',
  'maintenance_checks',
  'maintenance_successes',
  'rt_sum',
  'rt_min',
  'rt_max',
  'rt_hist',
] as const;
const COLUMNS = `endpoint_id, bucket_start, ${VALUE_COLUMNS.join(', ')}`;

/**
 * Adds a batch to the rows of one granularity: `source` grouped by endpoint and UTC bucket, then added to the
 * row of that bucket (counts and sums added, min/max kept, histograms added as numerics). Latency columns
 * count successful checks only. Rows are taken in key order (ORDER BY before ON CONFLICT), and every batch
 * runs the same statement, so concurrent batches always lock rollup rows in the same order: no deadlock.
 */
const addTo = (unit: RollupUnit, source: string) => `
  INSERT INTO uptime_${unit} AS t (${COLUMNS})
  SELECT endpoint_id, date_trunc('${unit}', checked_at, 'UTC'),
         count(*), count(*) FILTER (WHERE success), count(*) FILTER (WHERE success AND attempts > 1),
         count(*) FILTER (WHERE in_maintenance), count(*) FILTER (WHERE in_maintenance AND success),
         coalesce(sum(rt) FILTER (WHERE success), 0), min(rt) FILTER (WHERE success), max(rt) FILTER (WHERE success), sum(hist)
  FROM ${source}
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
 * A batch's results as the rollups add them, from the arrays fold() sends. A successful check adds
 * 10^(9·bucket) to the histogram: one count in its bucket's field (see LatencyHistogram), written as the
 * literal `1e<n>` (parsing it is exact and cheaper than power()). The bucket is computed in fold() from the
 * one layout (latency-buckets.ts), never in SQL.
 */
const BATCH_SOURCE = `(
    SELECT endpoint_id, to_timestamp(checked_at_ms / 1000) AS checked_at, success, rt, attempts, in_maintenance,
           CASE WHEN success THEN ('1e' || ${FIELD_DIGITS} * bucket)::numeric ELSE 0 END AS hist
    FROM unnest($1::uuid[], $2::float8[], $3::boolean[], $4::int[], $5::int[], $6::boolean[], $7::int[])
      AS u(endpoint_id, checked_at_ms, success, rt, attempts, in_maintenance, bucket)
  ) AS r`;

/**
 * The hot path, one statement per batch: every result goes into its minute row, and the statement answers
 * with the compaction watermark as of its own snapshot (taken after the hour locks are held). Only the late
 * results, before the watermark, then go into their hour and day rows too (FOLD_LATE_SQL): nothing will
 * recompute those hours again. Most batches have none, so they pay for the minute rows alone.
 */
const FOLD_SQL = `
  WITH minute_rows AS (${addTo('minute', BATCH_SOURCE)})
  SELECT (extract(epoch FROM compacted_until) * 1000)::float8 AS compacted_until_ms FROM uptime_compaction`;
const FOLD_LATE_SQL = `
  WITH hour_rows AS (${addTo('hour', BATCH_SOURCE)})
  ${addTo('day', BATCH_SOURCE)}`;

/**
 * Recomputes the rows of one bucket of `unit` from the finer rows inside it: sums replace what the row held
 * (`col = excluded.col`), so compacting twice changes nothing, and a row folded live before the upgrade is
 * replaced, not added to. $1 is the bucket start; the finer rows read are those in [$1, $2).
 */
const recompute = (unit: 'hour' | 'day', source: RollupUnit) => `
  INSERT INTO uptime_${unit} AS t (${COLUMNS})
  SELECT endpoint_id, $1::timestamptz,
         sum(checks), sum(successes), sum(retried_successes), sum(maintenance_checks), sum(maintenance_successes),
         sum(rt_sum), min(rt_min), max(rt_max), sum(rt_hist)
  FROM uptime_${source}
  WHERE bucket_start >= $1 AND bucket_start < $2
  GROUP BY endpoint_id
  ORDER BY endpoint_id
  ON CONFLICT (endpoint_id, bucket_start) DO UPDATE SET ${VALUE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`;
const COMPACT_HOUR_SQL = recompute('hour', 'minute');
const COMPACT_DAY_SQL = recompute('day', 'hour');

/**
 * The rollup tables' write side: check batches fold their results into minute rows (and late ones into
 * hour and day rows too); compaction builds the hour and day rows of whole hours from the minute rows.
 *
 * Why batches and compaction cannot lose or double a result: a batch takes a shared advisory lock on every
 * hour it writes into before it reads the watermark (in its fold statement, so with a snapshot taken after
 * the lock). Compacting hour H takes those locks exclusive: it waits for every batch still writing into H,
 * then reads H's minute rows, which now hold all of them; a batch that comes after sees the watermark past H
 * and adds to H's hour and day rows itself. Compaction also rewrites the day row from the day's hour rows, to
 * which late results of that day's earlier hours are being added, so it locks every hour of the day up to H.
 * Both sides lock hours in ascending order, so they never deadlock.
 */
@Injectable()
export class UptimeRollupsRepository {
  /** Adds a batch of results to the rollups, in the caller's transaction (locks held until it ends). */
  async fold(m: EntityManager, results: readonly RollupInput[]): Promise<void> {
    if (results.length === 0) return;
    const hours = [...new Set(results.map((r) => hourNumber(r.checkedAt.getTime())))].sort((a, b) => a - b);
    await m.query(`SELECT pg_advisory_xact_lock_shared(${HOUR_LOCK_CLASS}, h) FROM unnest($1::int[]) AS h`, [hours]);
    const [{ compacted_until_ms: compactedUntilMs }]: Array<{ compacted_until_ms: number }> = await m.query(FOLD_SQL, foldParams(results));
    const late = results.filter((r) => r.checkedAt.getTime() < compactedUntilMs);
    if (late.length) await m.query(FOLD_LATE_SQL, foldParams(late));
  }

  /** The watermark, locked until the transaction ends (compaction runs one at a time through it). */
  async lockWatermark(runner: QueryRunner): Promise<Date> {
    const [row] = (await runner.query('SELECT compacted_until FROM uptime_compaction FOR UPDATE')) as Array<{ compacted_until: Date }>;
    if (!row) throw new Error('uptime_compaction holds no watermark row (did the migrations run?)');
    return row.compacted_until;
  }

  /**
   * Compacts the UTC hour starting at `hour`, in the runner's transaction: waits for the batches writing into
   * it (and into the earlier hours of its day), then recomputes its hour rows from its minute rows and its
   * day's rows from the day's hour rows up to it. The caller advances the watermark in the same transaction.
   * It takes no endpoint lock (that would stall every batch): an endpoint deleted meanwhile is covered by the
   * watermark row lock (lockWatermark), which EndpointsRepository.delete waits for before it deletes rollups.
   */
  async compactHour(runner: QueryRunner, hour: Date): Promise<CompactedHour> {
    const start = hour.getTime();
    if (start % UNIT_MS.hour !== 0) throw new RangeError('compaction works on whole UTC hours');
    const day = floorTo(start, 'day');
    // A statement of its own: the recomputing statements below take their snapshots once every lock is held.
    await runner.query(`SELECT pg_advisory_xact_lock(${HOUR_LOCK_CLASS}, h) FROM generate_series($1::int, $2::int) AS h`, [hourNumber(day), hourNumber(start)]);
    const end = new Date(start + UNIT_MS.hour);
    const hourRows = (await runner.query(COMPACT_HOUR_SQL, [hour, end], true)) as { affected?: number };
    const dayRows = (await runner.query(COMPACT_DAY_SQL, [new Date(day), end], true)) as { affected?: number };
    return { hour, hourRows: hourRows.affected ?? 0, dayRows: dayRows.affected ?? 0 };
  }

  /** Moves the watermark (locked by lockWatermark in the same transaction). */
  async advanceWatermark(runner: QueryRunner, to: Date): Promise<void> {
    await runner.query('UPDATE uptime_compaction SET compacted_until = $1', [to]);
  }

  /** The watermark as committed now. */
  async watermark(m: Pick<EntityManager, 'query'>): Promise<Date> {
    const [row] = (await m.query('SELECT compacted_until FROM uptime_compaction')) as Array<{ compacted_until: Date }>;
    if (!row) throw new Error('uptime_compaction holds no watermark row (did the migrations run?)');
    return row.compacted_until;
  }
}

/** The parameters of BATCH_SOURCE: array literals and epoch milliseconds (pg would format every Date of every batch as text, one by one). */
function foldParams(results: readonly RollupInput[]): string[] {
  const col = (pick: (r: RollupInput) => PgArrayElement) => pgArrayLiteral(results.map(pick));
  const rt = results.map((r) => Math.max(0, Math.round(r.responseTimeMs)));
  return [
    col((r) => r.endpointId),
    col((r) => r.checkedAt.getTime()),
    col((r) => r.success),
    pgArrayLiteral(rt),
    col((r) => r.attempts),
    col((r) => r.inMaintenance),
    pgArrayLiteral(rt.map(bucketOf)),
  ];
}
