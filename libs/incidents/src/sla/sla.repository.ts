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
   * Month totals per endpoint from uptime_day (UTC days: a UTC month is a whole number of them, and the
   * current day's bucket holds the checks up to now). The first checked hour comes from uptime_hour. Both
   * read their primary key (endpoint_id, bucket_start): about 31 + 744 index entries per endpoint.
   */
  async monthTotals(endpointIds: string[], from: Date, to: Date): Promise<Map<string, RollupTotals>> {
    if (endpointIds.length === 0) return new Map();
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT d.endpoint_id,
              SUM(d.checks)::bigint AS checks,
              SUM(d.successes)::bigint AS successes,
              SUM(d.retried_successes)::bigint AS retried_successes,
              SUM(d.maintenance_checks)::bigint AS maintenance_checks,
              SUM(d.maintenance_successes)::bigint AS maintenance_successes,
              COALESCE(
                (SELECT MIN(h.bucket_start) FROM uptime_hour h
                 WHERE h.endpoint_id = d.endpoint_id AND h.bucket_start >= $2 AND h.bucket_start < $3 AND h.checks > 0),
                MIN(d.bucket_start) FILTER (WHERE d.checks > 0)
              ) AS first_check_bucket
       FROM uptime_day d
       WHERE d.endpoint_id = ANY($1::uuid[]) AND d.bucket_start >= $2 AND d.bucket_start < $3
       GROUP BY d.endpoint_id`,
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
