import type { RecordedCheck } from '@vigil/checks';
import type { EndpointStatus } from '@vigil/events';
import type { IncidentResolution } from './incident.entity';

/** An open incident as the record hook reads it (locked) before planning. */
export interface OpenIncidentRef {
  id: string;
  endpointId: string;
  startedAt: Date;
}

/** Open a new incident for an endpoint. */
export interface OpenStep {
  kind: 'open';
  endpointId: string;
  endpointName: string;
  startedAt: Date;
  fromStatus: EndpointStatus;
  /** The endpoint was already down when the result was stored (it went down inside a maintenance window). */
  alreadyDown: boolean;
  checkId: string;
  /** The failed checks in the run that took it down so far (the endpoint's consecutive failures). */
  failedChecks: number;
  lastFailureAt: Date;
  /** The opening check's reason and message, used as the first failure's when the run is one check long. */
  reason: string | null;
  message: string | null;
}

/** Another failed check on the open incident (existing or opened earlier in the batch). */
export interface FailStep {
  kind: 'fail';
  endpointId: string;
  failedChecks: number;
  lastFailureAt: Date;
}

/** Resolve the endpoint's open incident. */
export interface ResolveStep {
  kind: 'resolve';
  endpointId: string;
  resolvedAt: Date;
  toStatus: EndpointStatus;
  resolution: IncidentResolution;
  checkId: string;
}

export type IncidentStep = OpenStep | FailStep | ResolveStep;

/**
 * Whether a stored result may touch incidents. Only these rows make the hook read open incidents, so a
 * batch of healthy endpoints (up or degraded before and after) costs no query at all. `pending` and
 * `paused` cover an incident left open by a pause whose event was lost (see IncidentPauseListener).
 */
export function mayTouchIncidents(r: RecordedCheck): boolean {
  return r.after.status === 'down' || r.before.status === 'down' || r.before.status === 'pending' || r.before.status === 'paused';
}

/**
 * The incident rules, applied to a batch of stored results in order:
 * - a result that leaves the endpoint `down` opens an incident if none is open, unless it ran in a
 *   maintenance window. The status already applies the consecutive-failure threshold, so an incident
 *   opens exactly when the endpoint becomes `down` (`started_at` = the status change). An endpoint that
 *   went down during maintenance and is still failing after it gets its incident at its first failed
 *   check outside the window (`started_at` = that check);
 * - while an incident is open every failed check (in maintenance or not) updates `failed_checks`, the
 *   length of the run of consecutive failures;
 * - a result that leaves the endpoint in any other status (`up`, `degraded`, or a paused endpoint's late
 *   result) resolves it, at the status change.
 */
export function planIncidentSteps(recorded: readonly RecordedCheck[], open: ReadonlyMap<string, OpenIncidentRef>): IncidentStep[] {
  const isOpen = new Map<string, boolean>([...open.keys()].map((id) => [id, true]));
  const steps: IncidentStep[] = [];
  for (const { row, before, after } of recorded) {
    const endpointId = row.endpointId;
    const atChange = after.changed ? after.statusSince : row.checkedAt;
    if (after.status === 'down') {
      if (isOpen.get(endpointId)) {
        if (!row.success) steps.push({ kind: 'fail', endpointId, failedChecks: after.consecutiveFailures, lastFailureAt: row.checkedAt });
      } else if (!row.inMaintenance && !row.success) {
        steps.push({
          kind: 'open',
          endpointId,
          endpointName: before.name,
          startedAt: atChange,
          fromStatus: before.status,
          alreadyDown: !after.changed,
          checkId: row.id,
          failedChecks: after.consecutiveFailures,
          lastFailureAt: row.checkedAt,
          reason: row.reason,
          message: row.message,
        });
        isOpen.set(endpointId, true);
      }
    } else if (isOpen.get(endpointId)) {
      steps.push({
        kind: 'resolve',
        endpointId,
        resolvedAt: atChange,
        toStatus: after.status,
        resolution: after.status === 'paused' ? 'paused' : 'recovered',
        checkId: row.id,
      });
      isOpen.set(endpointId, false);
    }
  }
  return steps;
}
