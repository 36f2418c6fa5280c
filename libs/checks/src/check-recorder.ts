import { Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { type EndpointState, EndpointScheduleRepository, type EndpointStateUpdate } from '@vigil/endpoints';
import { type CheckResultEvent, type EndpointStatusChangedEvent, EventBus, VigilEvents } from '@vigil/events';
import { DataSource, type EntityManager } from 'typeorm';
import type { CheckResultEntity } from './check-result.entity';
import { type CheckOrigin, CheckResultsRepository, type NewCheckResult } from './check-results.repository';
import type { CheckOutcome } from './check-types';
import { CheckRecordHooks, type HookEvent, type PendingCheck, type RecordedCheck } from './record-hooks';
import { nextDueSlot } from './scheduler/next-due-slot';
import { nextEndpointState } from './status/endpoint-status';

/** A scheduled check that ran, waiting to be stored against its slot. */
export interface ScheduledCheckResult {
  endpointId: string;
  slot: Date;
  /** Until when a failed write of this result is worth retrying (its worker's ownership is thought to last that long). */
  leaseUntil: Date;
  outcome: CheckOutcome;
}

/**
 * What became of a scheduled result, for its worker's in-memory schedule:
 * - `stored`: kept; the endpoint is due next at `nextSlot`.
 * - `moved`: still this worker's, but its schedule changed meanwhile: the result is dropped and the
 *   endpoint is due at `nextSlot`, as the row now says.
 * - `lost`: no longer this worker's (released, adopted by another, paused or deleted): dropped.
 */
export type SlotSettlement = { endpointId: string; slot: Date; kind: 'stored' | 'moved'; nextSlot: Date } | { endpointId: string; slot: Date; kind: 'lost' };

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
   * and still due at the slot that ran, are written (fencing, see EndpointScheduleRepository.lockOwned);
   * the others are dropped. Returns the rows stored and what became of every slot.
   */
  async settleScheduled(worker: string, results: ScheduledCheckResult[]): Promise<{ stored: CheckResultEntity[]; settlements: SlotSettlement[] }> {
    // One result per slot (a retried batch could meet a re-run of the same slot): the first one counts.
    const seen = new Set<string>();
    const items = results.filter((r) => {
      const key = `${r.endpointId}@${r.slot.getTime()}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
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
      for (const item of items) {
        const state = byId.get(item.endpointId);
        const { endpointId, slot } = item;
        if (!state?.isActive) settlements.push({ endpointId, slot, kind: 'lost' });
        else if (state.nextCheckAt.getTime() !== slot.getTime()) settlements.push({ endpointId, slot, kind: 'moved', nextSlot: state.nextCheckAt });
        else {
          const nextCheckAt = nextDueSlot(slot, state.intervalS, now);
          kept.push({ item, state, nextCheckAt });
          settlements.push({ endpointId, slot, kind: 'stored', nextSlot: nextCheckAt });
        }
      }
      const dropped = items.length - kept.length;
      if (dropped) this.logger.warn(`${dropped} result(s) dropped: their endpoint changed owner or schedule while they ran`);
      return this.store(
        m,
        { manual: false, worker },
        kept.map(({ item, state, nextCheckAt }) => ({
          state,
          row: { endpointId: item.endpointId, scheduledFor: item.slot, outcome: item.outcome },
          nextCheckAt,
        })),
      );
    });
    await this.publish(recorded);
    return { stored: recorded.stored.map((s) => s.row), settlements };
  }

  /** Stores a manual check (no slot, schedule untouched) and updates its endpoint's state. */
  async recordManual(endpointId: string, outcome: CheckOutcome, worker: string): Promise<CheckResultEntity> {
    const recorded = await this.dataSource.transaction(async (m) => {
      const state = await this.schedule.lockOne(m, endpointId);
      if (!state) throw new AppError(ErrorCode.RES_NOT_FOUND, `Endpoint ${endpointId} not found`);
      return this.store(m, { manual: true, worker }, [{ state, row: { endpointId, scheduledFor: null, outcome } }]);
    });
    await this.publish(recorded);
    return recorded.stored[0].row;
  }

  private async store(
    m: EntityManager,
    origin: CheckOrigin,
    items: Array<{ state: EndpointState; row: NewCheckResult; nextCheckAt?: Date }>,
  ): Promise<Recorded> {
    const pending: PendingCheck[] = items.map(({ row }) => ({
      endpointId: row.endpointId,
      checkedAt: row.outcome.checked_at,
      success: row.outcome.success,
      manual: origin.manual,
      inMaintenance: false,
    }));
    for (const hook of this.hooks.all) await hook.beforeStore?.(m, pending);
    const inserted = await this.results.insertMany(
      m,
      origin,
      items.map((i, n) => ({ ...i.row, inMaintenance: pending[n].inMaintenance })),
    );
    // Scheduled slots are unique per endpoint in a batch (its owner runs one slot at a time), manual batches hold one row.
    const rowByEndpoint = new Map(inserted.map((r) => [r.endpointId, r]));
    const updates: EndpointStateUpdate[] = [];
    const recorded: Recorded = { stored: [], changes: [], hookEvents: [] };
    const forHooks: RecordedCheck[] = [];
    for (const { state, nextCheckAt } of items) {
      const row = rowByEndpoint.get(state.id);
      if (!row) {
        // The slot was already stored (only possible if it was re-run by hand in the database): move on.
        const { id, status, statusSince, consecutiveFailures, consecutiveSuccesses } = state;
        updates.push({ id, status, statusSince, consecutiveFailures, consecutiveSuccesses, lastCheck: null, nextCheckAt });
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
      const change: EndpointStatusChangedEvent | null = next.changed
        ? {
            endpoint_id: state.id,
            endpoint_name: state.name,
            old_status: state.status,
            new_status: next.status,
            changed_at: next.statusSince.toISOString(),
            check_id: row.id,
            reason: row.reason,
          }
        : null;
      if (change) recorded.changes.push(change);
      forHooks.push({ row, before: state, after: next, change });
    }
    await this.schedule.saveStates(m, updates);
    if (forHooks.length) {
      for (const hook of this.hooks.all) {
        const events = await hook.afterStore?.(m, forHooks);
        if (events) recorded.hookEvents.push(...events);
      }
    }
    return recorded;
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
