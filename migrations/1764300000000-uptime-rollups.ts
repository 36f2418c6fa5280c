import type { MigrationInterface, QueryRunner } from 'typeorm';

const GRANULARITIES = ['minute', 'hour', 'day'] as const;

/**
 * Per-endpoint uptime rollups by UTC minute, hour and day, folded in by the check recorder's transaction
 * (libs/uptime). Latency columns (rt_*) describe successful checks only; rt_hist is the latency histogram,
 * Σ count_k · 10^(9·k) over the bucket layout of libs/uptime/src/histogram/latency-buckets.ts, so that
 * PostgreSQL merges histograms with numeric `+` and `sum()`.
 */
export class UptimeRollups1764300000000 implements MigrationInterface {
  name = 'UptimeRollups1764300000000';

  async up(q: QueryRunner): Promise<void> {
    for (const unit of GRANULARITIES) {
      // Hour and day rows are updated by every batch of their period: free space keeps those updates HOT.
      const fillfactor = unit === 'minute' ? 90 : 70;
      await q.query(`
        CREATE TABLE uptime_${unit} (
          endpoint_id           uuid NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
          bucket_start          timestamptz NOT NULL,
          checks                integer NOT NULL,
          successes             integer NOT NULL,
          retried_successes     integer NOT NULL,
          maintenance_checks    integer NOT NULL,
          maintenance_successes integer NOT NULL,
          rt_sum                bigint NOT NULL,
          rt_min                integer NULL,
          rt_max                integer NULL,
          rt_hist               numeric NOT NULL DEFAULT 0,
          PRIMARY KEY (endpoint_id, bucket_start)
        ) WITH (fillfactor = ${fillfactor})`);
      // Windows over every endpoint at once (GET /api/v2/uptime, the summary) select by time alone.
      await q.query(`CREATE INDEX uptime_${unit}_bucket_idx ON uptime_${unit} (bucket_start)`);
      await q.query(`COMMENT ON COLUMN uptime_${unit}.bucket_start IS 'start of the UTC ${unit}'`);
      await q.query(
        `COMMENT ON COLUMN uptime_${unit}.rt_hist IS 'latency histogram of the successful checks: sum of count_k * 10^(9k) over the buckets of libs/uptime latency-buckets.ts'`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const unit of [...GRANULARITIES].reverse()) await q.query(`DROP TABLE uptime_${unit}`);
  }
}
