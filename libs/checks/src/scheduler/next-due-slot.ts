import { nextSlot } from '@vigil/endpoints';

/**
 * The slot an endpoint is due at after `ranSlot` was stored. Anchored on the slot that ran (never on
 * now), so the schedule does not drift. A slot that fell due less than one interval ago is still run, at
 * once: a check that ended a little late (slow target, retries, a busy worker) does not cost the next
 * slot. Slots older than that are skipped, not run in a burst, so a worker that fell far behind is at
 * most one interval late after one check.
 */
export function nextDueSlot(ranSlot: Date, intervalS: number, now: Date): Date {
  return nextSlot(ranSlot, intervalS, now.getTime() - intervalS * 1000);
}
