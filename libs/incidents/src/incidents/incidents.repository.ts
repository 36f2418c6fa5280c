import { Injectable } from '@nestjs/common';
import type { EndpointStatus } from '@vigil/events';
import type { EntityManager } from 'typeorm';
import type { IncidentEventKind } from './incident-event.entity';
import { IncidentEntity, type IncidentResolution } from './incident.entity';
import type { FailStep, OpenIncidentRef, OpenStep } from './incident-rules';

/** A timeline line to append. */
export interface NewIncidentEvent {
  incidentId: string;
  kind: IncidentEventKind;
  at: Date;
  fromStatus?: EndpointStatus | null;
  toStatus?: EndpointStatus | null;
  checkId?: string | null;
  note?: string | null;
  authorKeyId?: string | null;
  authorName?: string | null;
}

/** The first failure of a run, read from the stored results. */
interface FirstFailure {
  at: Date;
  reason: string | null;
  message: string | null;
}

/** A run longer than this is not walked back to its first failure (the oldest of these is used). */
const MAX_RUN_WALK = 1000;

/**
 * The incidents SQL written by the record hook and the pause listener, always inside the caller's
 * transaction (`m`). Reads for the API go through IncidentsService's TypeORM repository.
 */
@Injectable()
export class IncidentsRepository {
  /** Locks and returns the open incidents of these endpoints (the partial unique index incidents_open_uq serves it). */
  async lockOpen(m: EntityManager, endpointIds: string[]): Promise<Map<string, OpenIncidentRef>> {
    const rows: Array<{ id: string; endpoint_id: string; started_at: Date }> = await m.query(
      `SELECT id, endpoint_id, started_at FROM incidents
       WHERE resolved_at IS NULL AND endpoint_id = ANY($1::uuid[])
       ORDER BY id
       FOR UPDATE`,
      [endpointIds],
    );
    return new Map(rows.map((r) => [r.endpoint_id, { id: String(r.id), endpointId: r.endpoint_id, startedAt: r.started_at }]));
  }

  /**
   * The oldest failure among the endpoint's last `runLength` results up to `upTo`: the run of consecutive
   * failures that took it down (walks check_results_endpoint_time_idx backwards, `runLength` rows at most).
   */
  async firstFailureOfRun(m: EntityManager, endpointId: string, upTo: Date, runLength: number): Promise<FirstFailure | null> {
    const rows: Array<{ checked_at: Date; reason: string | null; message: string | null }> = await m.query(
      `SELECT checked_at, reason, message FROM (
         SELECT checked_at, id, reason, message, success FROM check_results
         WHERE endpoint_id = $1 AND checked_at <= $2
         ORDER BY checked_at DESC, id DESC
         LIMIT $3
       ) run
       WHERE NOT success
       ORDER BY checked_at, id
       LIMIT 1`,
      [endpointId, upTo, Math.min(runLength, MAX_RUN_WALK)],
    );
    return rows.length ? { at: rows[0].checked_at, reason: rows[0].reason, message: rows[0].message } : null;
  }

  /** Opens an incident; null when one is already open for the endpoint (the partial unique index decides). */
  async insertOpen(m: EntityManager, step: OpenStep, first: FirstFailure | null): Promise<IncidentEntity | null> {
    const firstAt = first && first.at < step.startedAt ? first : null;
    const rows: Array<Record<string, unknown>> = await m.query(
      `INSERT INTO incidents (endpoint_id, endpoint_name, started_at, first_failure_at, first_failure_reason, first_failure_message,
                              failed_checks, last_failure_at, opened_by_check_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (endpoint_id) WHERE resolved_at IS NULL DO NOTHING
       RETURNING *`,
      [
        step.endpointId,
        step.endpointName,
        step.startedAt,
        firstAt?.at ?? step.startedAt,
        firstAt ? firstAt.reason : step.reason,
        firstAt ? firstAt.message : step.message,
        Math.max(1, step.failedChecks),
        step.lastFailureAt,
        step.checkId,
      ],
    );
    return rows.length ? toIncident(rows[0]) : null;
  }

  /** Failed checks on open incidents, one statement for the whole batch. */
  async recordFailures(m: EntityManager, failures: Array<{ incidentId: string; step: FailStep }>): Promise<void> {
    if (failures.length === 0) return;
    await m.query(
      `UPDATE incidents i SET
         failed_checks = GREATEST(i.failed_checks, f.failed_checks),
         last_failure_at = GREATEST(i.last_failure_at, f.last_failure_at)
       FROM unnest($1::bigint[], $2::int[], $3::timestamptz[]) AS f(id, failed_checks, last_failure_at)
       WHERE i.id = f.id`,
      [failures.map((f) => f.incidentId), failures.map((f) => f.step.failedChecks), failures.map((f) => f.step.lastFailureAt)],
    );
  }

  /** Resolves an open incident (never before it started); null when it was resolved meanwhile. */
  async resolve(m: EntityManager, incidentId: string, at: Date, resolution: IncidentResolution, checkId: string | null): Promise<IncidentEntity | null> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [rows]: [Array<Record<string, unknown>>, number] = await m.query(
      `UPDATE incidents SET resolved_at = GREATEST($2::timestamptz, started_at), resolution = $3, resolved_by_check_id = $4
       WHERE id = $1 AND resolved_at IS NULL
       RETURNING *`,
      [incidentId, at, resolution, checkId],
    );
    return rows.length ? toIncident(rows[0]) : null;
  }

  /** Resolves the endpoint's open incident if it started before `at` (a pause). */
  async resolveOpenOf(m: EntityManager, endpointId: string, at: Date, resolution: IncidentResolution): Promise<IncidentEntity | null> {
    const [rows]: [Array<Record<string, unknown>>, number] = await m.query(
      `UPDATE incidents SET resolved_at = GREATEST($2::timestamptz, started_at), resolution = $3
       WHERE endpoint_id = $1 AND resolved_at IS NULL AND started_at <= $2
       RETURNING *`,
      [endpointId, at, resolution],
    );
    return rows.length ? toIncident(rows[0]) : null;
  }

  async addEvent(m: EntityManager, e: NewIncidentEvent): Promise<void> {
    await m.query(
      `INSERT INTO incident_events (incident_id, kind, at, from_status, to_status, check_id, note, author_key_id, author_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [e.incidentId, e.kind, e.at, e.fromStatus ?? null, e.toStatus ?? null, e.checkId ?? null, e.note ?? null, e.authorKeyId ?? null, e.authorName ?? null],
    );
  }
}

/** A raw incidents row (RETURNING *) as an entity. */
export function toIncident(r: Record<string, unknown>): IncidentEntity {
  const incident = new IncidentEntity();
  Object.assign(incident, {
    id: String(r.id),
    endpointId: r.endpoint_id,
    endpointName: r.endpoint_name,
    startedAt: r.started_at,
    resolvedAt: r.resolved_at,
    resolution: r.resolution,
    firstFailureAt: r.first_failure_at,
    firstFailureReason: r.first_failure_reason,
    firstFailureMessage: r.first_failure_message,
    failedChecks: r.failed_checks,
    lastFailureAt: r.last_failure_at,
    openedByCheckId: r.opened_by_check_id === null ? null : String(r.opened_by_check_id),
    resolvedByCheckId: r.resolved_by_check_id === null ? null : String(r.resolved_by_check_id),
  });
  return incident;
}
