import { Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { type EndpointState, EndpointScheduleRepository, type EndpointStateUpdate, type KnownAdvance } from '@vigil/endpoints';
import { type CheckResultEvent, type EndpointStatusChangedEvent, EventBus, VigilEvents } from '@vigil/events';
import { DataSource, type EntityManager } from 'typeorm';
import type { CheckResultEntity } from './check-result.entity';
import { CheckResultsRepository, type NewCheckResult } from './check-results.repository';
import type { CheckOutcome } from './check-types';
import { CheckRecordHooks, type HookEvent, type PendingCheck, type RecordedCheck } from './record-hooks';
import { nextDueSlot } from './scheduler/next-due-slot';
import { type EndpointStateAfter, nextEndpointState } from './status/endpoint-status';

/** A scheduled check that ran, waiting to be stored against its slot. */
export interface ScheduledCheckResult {
  endpointId: string;
  slot: Date;
  /** Until when a failed write of this result is worth retrying (its worker's ownership is thought to last that long). */
  leaseUntil: Date;
  outcome: CheckOutcome;
  /**
   * The endpoint's state as this worker stored it with the previous slot (its `nextCheckAt` is `slot`, its
   * `lastCheckId` the result stored then); absent
   * when the worker does not know it (first slot after adoption, or after a `moved` settlement).
   */
  known?: EndpointState;
}

/**
 * What became of a scheduled result, for its worker's in-memory schedule:
 * - `stored`: kept; the endpoint is due next at `nextSlot`, in `state` (what the next result's `known` is).
 * - `moved`: still this worker's, but its schedule changed meanwhile: the result is dropped and the
 *   endpoint is due at `nextSlot`, as the row now says.
 * - `lost`: no longer this worker's (released, adopted by another, paused or deleted): dropped.
 */
export type SlotSettlement =
  | { endpointId: string; slot: Date; kind: 'stored'; nextSlot: Date; state: EndpointState }
  | { endpointId: string; slot: Date; kind: 'moved'; nextSlot: Date }
  | { endpointId: string; slot: Date; kind: 'lost' };

interface Recorded {
  stored: Array<{ row: CheckResultEntity; endpointName: string }>;
  changes: EndpointStatusChangedEvent[];
  /** Events the record hooks asked for, published after the status changes. */
  hookEvents: HookEvent[];
}

/**
 * Stores check results and what they change on their endpoint (status, counters, last result and, for
 * scheduled checks, the next slot) in one transaction, then publishes CheckResult for every stored
 * result and EndpointStatusChanged for every status change, after the commit.
 */
@Injectable()
export class CheckRecorder {
  private readonly logger = new Logger('CheckRecorder');

  constructor(
    private readonly dataSource: DataSource,
    private readonly schedule: EndpointScheduleRepository,
    private readonly results: CheckResultsRepository,
    private readonly events: EventBus,
    private readonly config: VigilConfig,
    private readonly hooks: CheckRecordHooks,
  ) {}

  /** Stores a batch of scheduled results run by `worker` (see settleScheduled); returns the rows stored. */
  async recordScheduled(worker: string, results: ScheduledCheckResult[]): Promise<CheckResultEntity[]> {
    return (await this.settleScheduled(worker, results)).stored;
  }

  /**
   * Stores a batch of scheduled results run by `worker`. Only slots of endpoints still owned by `worker`,
   * and still due at the slot that ran, are written (fencing); the others are dropped. Returns the rows
   * stored and what became of every slot.
   * - Results whose state the worker knows are fenced by the state update itself (advanceKnown): one
   *   statement per batch instead of a lock and an update.
   * - The others, and those whose row no longer holds the state the worker knew (a manual check stored a
   *   result since),
   *   go the locking way (lockOwned) in a second transaction.
   */
  async settleScheduled(worker: string, results: ScheduledCheckResult[]): Promise<{ stored: CheckResultEntity[]; settlements: SlotSettlement[] }> {
    // One result per slot (a retried batch could meet a re-run of the same slot): the first one counts.
    const seen = new Set<string>();
    const items = results.filter((r) => {
      const key = `${r.endpointId}@${r.slot.getTime()}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    const stored: CheckResultEntity[] = [];
    const settlements: SlotSettlement[] = [];
    let locking = items.filter((i) => !isKnownAt(i));
    const known = items.filter(isKnownAt);
    if (known.length) {
      const fast = await this.dataSource
        .transaction((m) => this.storeKnown(m, worker, known))
        .catch((err: unknown) => {
          // A slot already stored (only possible if it was written by hand): the locking way moves on from it.
          if (err instanceof SlotAlreadyStored) return { recorded: null, settlements: [], fellBack: known };
          throw err;
        });
      if (fast.recorded) {
        await this.publish(fast.recorded);
        stored.push(...fast.recorded.stored.map((s) => s.row));
      }
      settlements.push(...fast.settlements);
      locking = [...locking, ...fast.fellBack];
    }
    if (locking.length) {
      const slow = await this.settleLocking(worker, locking);
      stored.push(...slow.stored);
      settlements.push(...slow.settlements);
    }
    return { stored, settlements };
  }

  /**
   * The locking way (EndpointScheduleRepository.lockOwned): locks the owned rows, reads their state and
   * slot, stores the results of the slots still due and drops the others.
   */
  private async settleLocking(worker: string, items: ScheduledCheckResult[]): Promise<{ stored: CheckResultEntity[]; settlements: SlotSettlement[] }> {
    const settlements: SlotSettlement[] = [];
    const recorded = await this.dataSource.transaction(async (m) => {
      settlements.length = 0;
      const { now, states } = await this.schedule.lockOwned(
        m,
        worker,
        items.map((i) => i.endpointId),
      );
      const byId = new Map(states.map((s) => [s.id, s]));
      const kept: Array<{ item: ScheduledCheckResult; state: EndpointState; nextCheckAt: Date }> = [];
      // In input order; a stored slot's entry is completed once its state is known.
      const settled: Array<SlotSettlement | { item: ScheduledCheckResult; nextCheckAt: Date }> = [];
      for (const item of items) {
        const state = byId.get(item.endpointId);
        const { endpointId, slot } = item;
        if (!state?.isActive) settled.push({ endpointId, slot, kind: 'lost' });
        else if (state.nextCheckAt.getTime() !== slot.getTime()) settled.push({ endpointId, slot, kind: 'moved', nextSlot: state.nextCheckAt });
        else {
          const nextCheckAt = nextDueSlot(slot, state.intervalS, now);
          kept.push({ item, state, nextCheckAt });
          settled.push({ item, nextCheckAt });
        }
      }
      const dropped = items.length - kept.length;
      if (dropped) this.logger.warn(`${dropped} result(s) dropped: their endpoint changed owner or schedule while they ran`);
      const result = await this.store(
        m,
        kept.map(({ item, state, nextCheckAt }) => ({
          state,
          row: { endpointId: item.endpointId, scheduledFor: item.slot, outcome: item.outcome, manual: false, worker },
          nextCheckAt,
        })),
      );
      for (const s of settled) {
        if (!('item' in s)) settlements.push(s);
        else {
          const { endpointId, slot } = s.item;
          settlements.push({ endpointId, slot, kind: 'stored', nextSlot: s.nextCheckAt, state: result.after.get(endpointId)! });
        }
      }
      return result;
    });
    await this.publish(recorded);
    return { stored: recorded.stored.map((s) => s.row), settlements };
  }

  /**
   * The fast way, for results whose endpoint state the worker knows: the new states are worked out first,
   * written where the rows still hold the known state and slot (advanceKnown, which also reserves the
   * results' ids), then the results of those rows are inserted. What was not advanced falls back.
   */
  private async storeKnown(
    m: EntityManager,
    worker: string,
    items: KnownResult[],
  ): Promise<{ recorded: Recorded; settlements: SlotSettlement[]; fellBack: ScheduledCheckResult[] }> {
    const pending = items.map(({ endpointId, outcome }) => ({
      endpointId,
      checkedAt: outcome.checked_at,
      success: outcome.success,
      manual: false,
      inMaintenance: false,
    }));
    for (const hook of this.hooks.all) await hook.beforeStore?.(m, pending);
    const threshold = this.config.checks.downThreshold;
    const plans = new Map<KnownAdvance, { item: KnownResult; next: EndpointStateAfter; inMaintenance: boolean }>();
    const { planned, advanced } = await this.schedule.advanceKnown(m, worker, (now) =>
      items.map((item, n) => {
        const { outcome, known: before } = item;
        const responseTimeMs = Math.max(0, Math.round(outcome.response_time_ms));
        const next = nextEndpointState(before, { success: outcome.success, attempts: outcome.attempts, checkedAt: outcome.checked_at }, threshold);
        const advance: KnownAdvance = {
          before,
          after: next,
          check: { checkedAt: outcome.checked_at, success: outcome.success, statusCode: outcome.status_code, responseTimeMs, reason: outcome.reason },
          nextCheckAt: nextDueSlot(item.slot, before.intervalS, now),
        };
        plans.set(advance, { item, next, inMaintenance: pending[n].inMaintenance });
        return advance;
      }),
    );
    const fellBack: ScheduledCheckResult[] = [];
    const rows: NewCheckResult[] = [];
    const advancedPlans: Array<{ advance: KnownAdvance; item: KnownResult; next: EndpointStateAfter }> = [];
    for (const advance of planned) {
      const { item, next, inMaintenance } = plans.get(advance)!;
      const id = advanced.get(advance);
      if (id === undefined) {
        fellBack.push(item);
        continue;
      }
      advancedPlans.push({ advance, item, next });
      rows.push({ id, endpointId: item.endpointId, scheduledFor: item.slot, outcome: item.outcome, manual: false, worker, inMaintenance });
    }
    const inserted = await this.results.insertMany(m, rows);
    if (inserted.length !== rows.length) throw new SlotAlreadyStored();
    const recorded: Recorded = { stored: [], changes: [], hookEvents: [] };
    const forHooks: RecordedCheck[] = [];
    const settlements: SlotSettlement[] = [];
    inserted.forEach((row, n) => {
      const { advance, item, next } = advancedPlans[n];
      const { before } = advance;
      recorded.stored.push({ row, endpointName: before.name });
      const change = next.changed ? statusChange(before, next, row) : null;
      if (change) recorded.changes.push(change);
      forHooks.push({ row, before, after: next, change });
      settlements.push({
        endpointId: item.endpointId,
        slot: item.slot,
        kind: 'stored',
        nextSlot: advance.nextCheckAt,
        state: stateAfter(before, next, advance.nextCheckAt, row.id),
      });
    });
    await this.runAfterStore(m, forHooks, recorded);
    return { recorded, settlements, fellBack };
  }

  /** Stores a manual check (no slot, schedule untouched) and updates its endpoint's state. */
  async recordManual(endpointId: string, outcome: CheckOutcome, worker: string): Promise<CheckResultEntity> {
    const recorded = await this.dataSource.transaction(async (m) => {
      const state = await this.schedule.lockOne(m, endpointId);
      if (!state) throw new AppError(ErrorCode.RES_NOT_FOUND, `Endpoint ${endpointId} not found`);
      return this.store(m, [{ state, row: { endpointId, scheduledFor: null, outcome, manual: true, worker } }]);
    });
    await this.publish(recorded);
    return recorded.stored[0].row;
  }

  private async store(
    m: EntityManager,
    items: Array<{ state: EndpointState; row: NewCheckResult; nextCheckAt?: Date }>,
  ): Promise<Recorded & { after: Map<string, EndpointState> }> {
    const pending: PendingCheck[] = items.map(({ row }) => ({
      endpointId: row.endpointId,
      checkedAt: row.outcome.checked_at,
      success: row.outcome.success,
      manual: row.manual,
      inMaintenance: false,
    }));
    for (const hook of this.hooks.all) await hook.beforeStore?.(m, pending);
    const inserted = await this.results.insertMany(
      m,
      items.map((i, n) => ({ ...i.row, inMaintenance: pending[n].inMaintenance })),
    );
    // Scheduled slots are unique per endpoint in a batch (its owner runs one slot at a time), manual batches hold one row.
    const rowByEndpoint = new Map(inserted.map((r) => [r.endpointId, r]));
    const updates: EndpointStateUpdate[] = [];
    const recorded: Recorded & { after: Map<string, EndpointState> } = { stored: [], changes: [], hookEvents: [], after: new Map() };
    const forHooks: RecordedCheck[] = [];
    for (const { state, nextCheckAt } of items) {
      const row = rowByEndpoint.get(state.id);
      if (!row) {
        // The slot was already stored (only possible if it was re-run by hand in the database): move on.
        const { id, status, statusSince, consecutiveFailures, consecutiveSuccesses } = state;
        updates.push({ id, status, statusSince, consecutiveFailures, consecutiveSuccesses, lastCheck: null, nextCheckAt });
        recorded.after.set(id, { ...state, nextCheckAt: nextCheckAt ?? state.nextCheckAt });
        continue;
      }
      const next = nextEndpointState(state, row, this.config.checks.downThreshold);
      updates.push({
        id: state.id,
        status: next.status,
        statusSince: next.statusSince,
        consecutiveFailures: next.consecutiveFailures,
        consecutiveSuccesses: next.consecutiveSuccesses,
        lastCheck: {
          id: row.id,
          checkedAt: row.checkedAt,
          success: row.success,
          statusCode: row.statusCode,
          responseTimeMs: row.responseTimeMs,
          reason: row.reason,
        },
        nextCheckAt,
      });
      recorded.stored.push({ row, endpointName: state.name });
      recorded.after.set(state.id, stateAfter(state, next, nextCheckAt ?? state.nextCheckAt, row.id));
      const change = next.changed ? statusChange(state, next, row) : null;
      if (change) recorded.changes.push(change);
      forHooks.push({ row, before: state, after: next, change });
    }
    await this.schedule.saveStates(m, updates);
    await this.runAfterStore(m, forHooks, recorded);
    return recorded;
  }

  private async runAfterStore(m: EntityManager, forHooks: RecordedCheck[], recorded: Recorded): Promise<void> {
    if (forHooks.length === 0) return;
    for (const hook of this.hooks.all) {
      const events = await hook.afterStore?.(m, forHooks);
      if (events) recorded.hookEvents.push(...events);
    }
  }

  private async publish({ stored, changes, hookEvents }: Recorded): Promise<void> {
    const publishing = [
      // One message for the batch's results: listeners still get one CheckResult each, in this order.
      this.events.publishMany<CheckResultEvent>(
        VigilEvents.CheckResult,
        stored.map(({ row, endpointName }) => toCheckResultEvent(row, endpointName)),
      ),
      ...changes.map((change) => this.events.publish<EndpointStatusChangedEvent>(VigilEvents.EndpointStatusChanged, change)),
      ...hookEvents.map(({ channel, payload }) => this.events.publish(channel, payload)),
    ];
    for (const result of await Promise.allSettled(publishing)) {
      if (result.status === 'rejected') this.logger.warn({ err: result.reason, msg: 'could not publish a check event' });
    }
  }
}

function toCheckResultEvent(row: CheckResultEntity, endpointName: string): CheckResultEvent {
  return {
    id: row.id,
    endpoint_id: row.endpointId,
    endpoint_name: endpointName,
    checked_at: row.checkedAt.toISOString(),
    success: row.success,
    status_code: row.statusCode,
    response_time_ms: row.responseTimeMs,
    reason: row.reason,
    attempts: row.attempts,
  };
}

/** A scheduled result whose endpoint state its worker knows, for the slot that ran. */
type KnownResult = ScheduledCheckResult & { known: EndpointState };

function isKnownAt(r: ScheduledCheckResult): r is KnownResult {
  return r.known !== undefined && r.known.nextCheckAt.getTime() === r.slot.getTime();
}

/** The fast way met a slot already stored: the batch is rolled back and goes the locking way. */
class SlotAlreadyStored extends Error {
  constructor() {
    super('a slot of the batch already has its result');
  }
}

/** The endpoint's state once a result moved it, due next at `nextCheckAt`. */
function stateAfter(before: EndpointState, next: EndpointStateAfter, nextCheckAt: Date, lastCheckId: string): EndpointState {
  return {
    id: before.id,
    name: before.name,
    isActive: before.isActive,
    status: next.status,
    statusSince: next.statusSince,
    consecutiveFailures: next.consecutiveFailures,
    consecutiveSuccesses: next.consecutiveSuccesses,
    intervalS: before.intervalS,
    nextCheckAt,
    lastCheckId,
  };
}

function statusChange(before: EndpointState, next: EndpointStateAfter, row: CheckResultEntity): EndpointStatusChangedEvent {
  return {
    endpoint_id: before.id,
    endpoint_name: before.name,
    old_status: before.status,
    new_status: next.status,
    changed_at: next.statusSince.toISOString(),
    check_id: row.id,
    reason: row.reason,
  };
}
