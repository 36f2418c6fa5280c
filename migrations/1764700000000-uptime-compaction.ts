import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rollup compaction watermark: hour and day rollups of the UTC hours before `compacted_until` are complete
 * (compacted from their minute rows, plus the late results added to them since); from it on, only minute rows
 * are (libs/uptime: UptimeRollupsRepository.fold, RollupCompactionService).
 *
 * Until now every result was folded into its minute, hour and day rows as it was stored, so every hour before
 * the one in progress is already complete: the watermark starts at the start of the current UTC hour. That hour
 * holds partial hour and day rows folded live before the upgrade; no query reads them (it reads minute rows past
 * the watermark), and compacting the hour replaces them with sums of its minute rows, which the old code wrote
 * too, so nothing is counted twice. An old-version worker still running during a rolling upgrade keeps adding
 * to all three tables, which stays correct except for a batch it commits while that very hour is compacted.
 */
export class UptimeCompaction1764700000000 implements MigrationInterface {
  name = 'UptimeCompaction1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE uptime_compaction (
        id              boolean PRIMARY KEY DEFAULT true CHECK (id),
        compacted_until timestamptz NOT NULL CHECK (compacted_until = date_trunc('hour', compacted_until, 'UTC'))
      )`);
    await q.query(`INSERT INTO uptime_compaction (compacted_until) VALUES (date_trunc('hour', now(), 'UTC'))`);
    await q.query(
      `COMMENT ON COLUMN uptime_compaction.compacted_until IS 'hour and day rollups before this UTC hour are complete; from it on only minute rows are'`,
    );
  }

  /** Back to live folding: the hours from the watermark on get their hour and day rows first. */
  async down(q: QueryRunner): Promise<void> {
    const sums = `sum(checks), sum(successes), sum(retried_successes), sum(maintenance_checks), sum(maintenance_successes),
                  sum(rt_sum), min(rt_min), max(rt_max), sum(rt_hist)`;
    const replace = `checks = excluded.checks, successes = excluded.successes, retried_successes = excluded.retried_successes,
                     maintenance_checks = excluded.maintenance_checks, maintenance_successes = excluded.maintenance_successes,
                     rt_sum = excluded.rt_sum, rt_min = excluded.rt_min, rt_max = excluded.rt_max, rt_hist = excluded.rt_hist`;
    for (const [unit, source, from] of [
      ['hour', 'minute', '(SELECT compacted_until FROM uptime_compaction)'],
      ['day', 'hour', `(SELECT date_trunc('day', compacted_until, 'UTC') FROM uptime_compaction)`],
    ] as const) {
      await q.query(`
        INSERT INTO uptime_${unit}
          (endpoint_id, bucket_start, checks, successes, retried_successes, maintenance_checks, maintenance_successes, rt_sum, rt_min, rt_max, rt_hist)
        SELECT endpoint_id, date_trunc('${unit}', bucket_start, 'UTC'), ${sums}
        FROM uptime_${source} WHERE bucket_start >= ${from}
        GROUP BY 1, 2
        ON CONFLICT (endpoint_id, bucket_start) DO UPDATE SET ${replace}`);
    }
    await q.query(`DROP TABLE uptime_compaction`);
  }
}
