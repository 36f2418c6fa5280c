import type { IncidentEvent } from '@vigil/events';
import type { IncidentDto, IncidentTimelineEntryDto } from './dto/incident.dto';
import type { IncidentEventEntity } from './incident-event.entity';
import type { IncidentEntity } from './incident.entity';

/** Seconds from start to resolution (to `now` while open), millisecond precision. */
export function incidentDurationS(i: Pick<IncidentEntity, 'startedAt' | 'resolvedAt'>, now = new Date()): number {
  return Math.max(0, (i.resolvedAt ?? now).getTime() - i.startedAt.getTime()) / 1000;
}

export function toIncidentDto(i: IncidentEntity, now = new Date()): IncidentDto {
  return {
    id: i.id,
    endpoint_id: i.endpointId,
    endpoint_name: i.endpointName,
    status: i.resolvedAt ? 'resolved' : 'open',
    started_at: i.startedAt.toISOString(),
    resolved_at: i.resolvedAt?.toISOString() ?? null,
    duration_s: incidentDurationS(i, now),
    resolution: i.resolution,
    first_failure_at: i.firstFailureAt.toISOString(),
    first_failure_reason: i.firstFailureReason,
    first_failure_message: i.firstFailureMessage,
    failed_checks: i.failedChecks,
    last_failure_at: i.lastFailureAt.toISOString(),
    opened_by_check_id: i.openedByCheckId,
    resolved_by_check_id: i.resolvedByCheckId,
  };
}

export function toTimelineEntryDto(e: IncidentEventEntity): IncidentTimelineEntryDto {
  return {
    id: e.id,
    incident_id: e.incidentId,
    kind: e.kind,
    at: e.at.toISOString(),
    from_status: e.fromStatus,
    to_status: e.toStatus,
    check_id: e.checkId,
    note: e.note,
    author: e.authorKeyId || e.authorName ? { key_id: e.authorKeyId ?? '', name: e.authorName ?? '' } : null,
  };
}

/** The payload of IncidentOpened / IncidentResolved (and so of `incident_opened` / `incident_resolved` on /ws/live). */
export function toIncidentEvent(i: IncidentEntity): IncidentEvent {
  return {
    incident_id: i.id,
    endpoint_id: i.endpointId,
    endpoint_name: i.endpointName,
    started_at: i.startedAt.toISOString(),
    resolved_at: i.resolvedAt?.toISOString() ?? null,
    duration_s: i.resolvedAt ? incidentDurationS(i) : null,
    resolution: i.resolution,
    first_failure_at: i.firstFailureAt.toISOString(),
    first_failure_reason: i.firstFailureReason,
    failed_checks: i.failedChecks,
  };
}
