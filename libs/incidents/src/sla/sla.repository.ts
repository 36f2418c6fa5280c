import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { toIncident } from '../incidents/incidents.repository';
import type { IncidentEntity } from '../incidents/incident.entity';
import type { RollupTotals } from './sla-figures';

/** The SQL of SLA reports: month totals from the rollups (never raw results), endpoints of a tag, incidents of a month. */
@Injectable()
export class SlaRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Month totals per endpoint from the rollups (UTC days: a UTC month is a whole number of them). Hour and
   * day rollups are complete only before the compaction watermark (`uptime_compaction`, see libs/uptime), so
   * the month is read as day rows of the days that end by it, hour rows of the rest of its day, and minute
   * rows after it. The first checked hour comes from the hour rows, or the minute rows after the watermark.
   * All read their primary key (endpoint_id, bucket_start): about 31 + 24 + 120 index entries per endpoint.
   */
  async monthTotals(endpointIds: string[], from: Date, to: Date): Promise<Map<string, RollupTotals>> {
    if (endpointIds.length === 0) return new Map();
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `WITH w AS (SELECT greatest($2::timestamptz, least($3::timestamptz, compacted_until)) AS until FROM uptime_compaction),
       r AS (
         SELECT d.endpoint_id, d.checks, d.successes, d.retried_successes, d.maintenance_checks, d.maintenance_successes,
                NULL::timestamptz AS hour_with_checks, CASE WHEN d.checks > 0 THEN d.bucket_start END AS day_with_checks
         FROM uptime_day d, w
         WHERE d.endpoint_id = ANY($1::uuid[]) AND d.bucket_start >= $2 AND d.bucket_start < date_trunc('day', w.until, 'UTC')
         UNION ALL
         SELECT h.endpoint_id, h.checks, h.successes, h.retried_successes, h.maintenance_checks, h.maintenance_successes,
                NULL, NULL
         FROM uptime_hour h, w
         WHERE h.endpoint_id = ANY($1::uuid[]) AND h.bucket_start >= date_trunc('day', w.until, 'UTC') AND h.bucket_start < w.until
         UNION ALL
         SELECT m.endpoint_id, m.checks, m.successes, m.retried_successes, m.maintenance_checks, m.maintenance_successes,
                CASE WHEN m.checks > 0 THEN date_trunc('hour', m.bucket_start, 'UTC') END, NULL
         FROM uptime_minute m, w
         WHERE m.endpoint_id = ANY($1::uuid[]) AND m.bucket_start >= w.until AND m.bucket_start < $3
       )
       SELECT r.endpoint_id,
              SUM(r.checks)::bigint AS checks,
              SUM(r.successes)::bigint AS successes,
              SUM(r.retried_successes)::bigint AS retried_successes,
              SUM(r.maintenance_checks)::bigint AS maintenance_checks,
              SUM(r.maintenance_successes)::bigint AS maintenance_successes,
              COALESCE(
                (SELECT MIN(h.bucket_start) FROM uptime_hour h, w
                 WHERE h.endpoint_id = r.endpoint_id AND h.bucket_start >= $2 AND h.bucket_start < w.until AND h.checks > 0),
                MIN(r.hour_with_checks),
                MIN(r.day_with_checks)
              ) AS first_check_bucket
       FROM r
       GROUP BY r.endpoint_id`,
      [endpointIds, from, to],
    );
    return new Map(
      rows.map((r) => [
        r.endpoint_id as string,
        {
          checks: Number(r.checks),
          successes: Number(r.successes),
          retriedSuccesses: Number(r.retried_successes),
          maintenanceChecks: Number(r.maintenance_checks),
          maintenanceSuccesses: Number(r.maintenance_successes),
          firstCheckBucket: (r.first_check_bucket as Date | null) ?? null,
        },
      ]),
    );
  }

  /** The endpoints carrying a tag now (endpoints_tags_idx, GIN). */
  async endpointsWithTag(tag: string): Promise<Array<{ id: string; name: string }>> {
    return this.dataSource.query(`SELECT id, name FROM endpoints WHERE tags @> ARRAY[$1]::text[] ORDER BY name`, [tag]);
  }

  /** Incidents of these endpoints overlapping [from, until), newest first. */
  async incidentsOverlapping(endpointIds: string[], from: Date, until: Date): Promise<IncidentEntity[]> {
    if (endpointIds.length === 0) return [];
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT * FROM incidents
       WHERE endpoint_id = ANY($1::uuid[]) AND started_at < $3 AND (resolved_at IS NULL OR resolved_at > $2)
       ORDER BY started_at DESC, id DESC`,
      [endpointIds, from, until],
    );
    return rows.map(toIncident);
  }
}
