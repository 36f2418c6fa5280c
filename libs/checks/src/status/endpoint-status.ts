import type { EndpointStatus } from '@vigil/events';

export interface EndpointStateBefore {
  isActive: boolean;
  status: EndpointStatus;
  statusSince: Date;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export interface EndpointStateAfter {
  status: EndpointStatus;
  statusSince: Date;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  changed: boolean;
}

/**
 * The state an endpoint moves to after one stored result:
 * - success on the first attempt → `up`; success only after retries → `degraded` (it works, but flakily);
 * - failure → `down` once `downThreshold` checks in a row have failed, `degraded` before that;
 * - an endpoint paused while its check ran keeps its status (`paused`); only its counters move.
 * `status_since` moves only when the status changes.
 */
export function nextEndpointState(
  before: EndpointStateBefore,
  result: { success: boolean; attempts: number; checkedAt: Date },
  downThreshold: number,
): EndpointStateAfter {
  const consecutiveFailures = result.success ? 0 : before.consecutiveFailures + 1;
  const consecutiveSuccesses = result.success ? before.consecutiveSuccesses + 1 : 0;
  let status: EndpointStatus;
  if (!before.isActive) status = before.status;
  else if (result.success) status = result.attempts > 1 ? 'degraded' : 'up';
  else status = consecutiveFailures >= downThreshold ? 'down' : 'degraded';
  const changed = status !== before.status;
  // A result checked before the current status began (a slow check finishing late) does not move it back.
  const statusSince = changed ? new Date(Math.max(result.checkedAt.getTime(), before.statusSince.getTime())) : before.statusSince;
  return { status, statusSince, consecutiveFailures, consecutiveSuccesses, changed };
}
