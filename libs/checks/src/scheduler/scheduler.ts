import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { VigilConfig } from '@vigil/config';
import { EndpointScheduleRepository, type OwnedEndpoint, type ScheduledEndpoint } from '@vigil/endpoints';
import type { CheckRequest } from '../check-types';
import { checkRequestFrom, HttpChecker, worstCaseCheckMs } from '../checker';
import { CheckResultWriter, type WriteSettlement } from './check-result-writer';
import { SlotQueue } from './slot-queue';
import { WorkerIdentity } from '../worker-identity';

/** What /ready and operators see of the loop. */
export interface SchedulerState {
  running: boolean;
  worker_id: string;
  last_tick_at: string | null;
  in_flight: number;
  /** Endpoints this worker owns (their schedules are in its memory). */
  owned: number;
  concurrency: number;
  pending_writes: number;
}

/** A loop that has not finished a tick for this long is stuck. */
const STALE_AFTER_MIN_MS = 30_000;
/** Endpoints adopted per statement; adoption repeats at once while a statement comes back full. */
const ADOPT_BATCH_MIN = 1000;
/** A worker sheds endpoints when it owns more than its fair share plus this part of it (and at least one). */
const SHARE_SLACK = 0.1;
/** The longest a wake-up timer is set for: slots move (reconcile, clock offset), so look again at least this often. */
const MAX_WAKE_MS = 1000;

type Phase = 'waiting' | 'running' | 'writing';

/**
 * A queued slot of one entry, current while its version is the entry's: the entry itself rather than its id,
 * so starting a due slot costs no lookup in a map of every owned endpoint.
 */
interface QueuedEntry {
  entry: Entry;
  slotMs: number;
  version: number;
}

/** One owned endpoint in memory. */
interface Entry {
  id: string;
  /** What the checker runs, built once per definition (the checker keeps its parsed form by this object). */
  request: CheckRequest;
  intervalS: number;
  /** The due slot, ms since the epoch on the database's clock. */
  slotMs: number;
  updatedAtMs: number;
  phase: Phase;
  /** Bumped on every re-queue, and when the entry is forgotten or replaced: queue items with an older version are stale. */
  version: number;
  /** The scheduler's change counter when this entry last changed (see reconcile). */
  touched: number;
  /** While running or writing: no longer owned, forget it once settled. */
  gone?: boolean;
  /** While running or writing: a newer definition, applied once settled. */
  replacement?: OwnedEndpoint;
}

/**
 * The check loop of this process. Workers own endpoints rather than claim each due slot:
 * - Every worker keeps a heartbeat row (`scheduler_workers`) and owns a set of endpoints (`lease_owner`).
 *   It adopts free ones (unowned, or owned by a worker whose heartbeat passed) with `FOR UPDATE SKIP LOCKED`,
 *   so any number of workers share them and no endpoint has two owners.
 * - Owned endpoints' slots live in memory (a min-heap): a due slot starts at once when a check slot is
 *   free (never more than `checks.concurrency` in flight), with no query per check to find it.
 * - A result goes to the batching writer, which stores it only if this worker still owns the endpoint and
 *   the row is still due at that slot (fencing); the endpoint's next slot comes back from that transaction.
 *   An endpoint runs its next slot only once the previous one is settled, so a slot is stored at most once
 *   and is never skipped by a race.
 * - Every heartbeat it reconciles memory with the rows it owns (changed, released, deleted endpoints). Then,
 *   and whenever a tick sees a worker join or leave, it sheds endpoints beyond its fair share (active
 *   endpoints ÷ live workers, plus 10 %) for the others to adopt.
 * - A worker that dies loses nothing: its heartbeat passes after `scheduler.leaseS` seconds, others adopt
 *   its endpoints, and the slots it had not stored are still due in the rows and run then.
 * Started once, on application bootstrap of CheckSchedulerModule; stopped on shutdown: start no more
 * checks, let those in flight finish, write their results, give the endpoints back and end the heartbeat.
 */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Scheduler');
  private readonly owned = new Map<string, Entry>();
  private readonly queue = new SlotQueue<QueuedEntry>();
  private readonly shared = new SharedValues();
  private readonly concurrency: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly heartbeatMs: number;
  private readonly adoptBatch: number;
  private running = false;
  private active = 0;
  private changes = 0;
  private tickTimer: NodeJS.Timeout | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  private tickInProgress: Promise<void> | null = null;
  private startedAt = 0;
  private lastTickAt: Date | null = null;
  private lastHeartbeatAt = 0;
  private registered = false;
  /** The database clock minus this process's, from the last heartbeat: slots are on the database's clock. */
  private clockOffsetMs = 0;
  /** Until when (local clock) this worker's ownership is known to last: its last heartbeat plus the lease. */
  private ownedUntil = 0;
  /** The fair share from the last heartbeat; Infinity while this worker is alone or before it knows. */
  private shareCap = Infinity;
  private deadOwners: string[] = [];
  /** Live workers at the last rebalance: a change seen at a tick rebalances at once. */
  private live = 0;
  private stopping: Promise<void> | null = null;
  /** When the slowest check launched so far must be over (every attempt timing out), in ms since the epoch. */
  private latestCheckDeadline = 0;

  constructor(
    private readonly config: VigilConfig,
    private readonly identity: WorkerIdentity,
    private readonly schedule: EndpointScheduleRepository,
    private readonly checker: HttpChecker,
    private readonly writer: CheckResultWriter,
  ) {
    this.concurrency = config.checks.concurrency;
    this.heartbeatMs = Math.max(config.scheduler.tickMs, (config.scheduler.leaseS * 1000) / 3);
    this.adoptBatch = Math.max(ADOPT_BATCH_MIN, config.scheduler.batchSize);
    writer.onSettled((settled) => this.onSettled(settled));
    // A writer that was backed up has room again: start what is due.
    writer.onWritten(() => this.pump());
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.running = true;
    this.startedAt = Date.now();
    this.logger.log(`checking as ${this.identity.id} (concurrency ${this.concurrency}, tick ${this.config.scheduler.tickMs} ms)`);
    this.scheduleTick(0);
  }

  state(): SchedulerState {
    return {
      running: this.running,
      worker_id: this.identity.id,
      last_tick_at: this.lastTickAt?.toISOString() ?? null,
      in_flight: this.active,
      owned: this.owned.size,
      concurrency: this.concurrency,
      pending_writes: this.writer.pending,
    };
  }

  /** Running, and its last tick is recent: the loop is alive (whether or not the database answered). */
  isHealthy(now = Date.now()): boolean {
    const staleAfter = Math.max(STALE_AFTER_MIN_MS, 10 * this.config.scheduler.tickMs, 3 * this.heartbeatMs);
    return this.running && now - (this.lastTickAt?.getTime() ?? this.startedAt) < staleAfter;
  }

  /** Idempotent; resolves once results are written and the endpoints given back. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.running = false;
    for (const timer of [this.tickTimer, this.wakeTimer]) if (timer) clearTimeout(timer);
    this.tickTimer = this.wakeTimer = null;
    await this.tickInProgress;
    if (this.inFlight.size) {
      // Checks end by their own timeouts; wait for that, within half the shutdown budget (the rest is for writing).
      const wait = Math.min(Math.max(0, this.latestCheckDeadline - Date.now()), this.config.http.shutdownTimeoutMs / 2);
      this.logger.log(`stopping: waiting up to ${Math.round(wait)} ms for ${this.inFlight.size} check(s) in flight`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => (timer = setTimeout(r, wait)))]);
      clearTimeout(timer);
    }
    await this.writer.close();
    if (!this.registered) return;
    try {
      const released = await this.schedule.release(this.identity.id);
      await this.schedule.removeWorker(this.identity.id);
      if (released) this.logger.log(`gave back ${released} endpoint(s), for the other workers to adopt at once`);
    } catch (err) {
      this.logger.warn({ err, msg: 'could not give back endpoints; other workers adopt them once the heartbeat passes' });
    }
    this.owned.clear();
    this.queue.clear();
  }

  private scheduleTick(delayMs: number): void {
    this.tickTimer = setTimeout(() => {
      this.tickTimer = null;
      this.tickInProgress = this.tick().finally(() => (this.tickInProgress = null));
    }, delayMs);
  }

  /** Heartbeat, reconcile and rebalance when due, then adopt what is free. */
  private async tick(): Promise<void> {
    try {
      if (Date.now() - this.lastHeartbeatAt >= this.heartbeatMs || !this.registered) await this.heartbeat();
      else if ((await this.schedule.liveWorkers()) !== this.live) await this.rebalance();
      if (this.running) await this.adoptFree();
    } catch (err) {
      this.logger.warn({ err, msg: 'scheduler tick failed; retrying next tick' });
    }
    this.lastTickAt = new Date();
    if (this.running) this.scheduleTick(this.config.scheduler.tickMs);
  }

  private async heartbeat(): Promise<void> {
    const me = this.identity.id;
    const sentAt = Date.now();
    const { continued, dbNowMs } = await this.schedule.heartbeat(me, this.config.scheduler.leaseS);
    const receivedAt = Date.now();
    this.clockOffsetMs = dbNowMs - (sentAt + receivedAt) / 2;
    this.lastHeartbeatAt = receivedAt;
    this.ownedUntil = sentAt + this.config.scheduler.leaseS * 1000;
    if (this.registered && !continued) {
      this.logger.warn('this worker missed its heartbeat: other workers may have adopted some of its endpoints; reconciling');
    }
    this.registered = true;
    await this.reconcile();
    await this.rebalance();
  }

  /** Works out the fair share and whose endpoints are free, and gives back what is above the share. */
  private async rebalance(): Promise<void> {
    const stats = await this.schedule.poolStats();
    this.live = stats.live;
    this.deadOwners = stats.deadOwners.filter((owner) => owner !== this.identity.id);
    const share = Math.ceil(stats.active / Math.max(1, stats.live));
    this.shareCap = stats.live > 1 ? share + Math.max(1, Math.ceil(share * SHARE_SLACK)) : Infinity;
    if (this.owned.size > this.shareCap) await this.shed(this.owned.size - share);
  }

  /**
   * Adopts free endpoints up to the fair share, a batch at a time while batches come back full. The share
   * is from the last rebalance; when it stops this worker while endpoints are free (they were created or
   * given back since), it is worked out again first, so free endpoints never wait for a heartbeat.
   */
  private async adoptFree(): Promise<void> {
    if (this.owned.size >= this.shareCap) {
      if (!(await this.schedule.anyFree(this.deadOwners))) return;
      await this.rebalance();
    }
    for (;;) {
      const room = Math.min(this.adoptBatch, this.shareCap - this.owned.size);
      if (room <= 0 || !this.running) return;
      const adopted = await this.schedule.adopt(this.identity.id, room, this.deadOwners);
      for (const owned of adopted) this.take(owned);
      if (adopted.length) this.pump();
      if (adopted.length < room) return;
    }
  }

  /**
   * Brings memory in line with the rows this worker owns: endpoints released, adopted elsewhere, paused or
   * deleted are forgotten; changed ones are read again; rows it owns but does not know are loaded. Entries
   * changed after the query started are left alone (memory is newer than what the query saw).
   */
  private async reconcile(): Promise<void> {
    const me = this.identity.id;
    const since = this.changes;
    const rows = await this.schedule.ownedSlots(me);
    const inDb = new Map(rows.map((r) => [r.id, r]));
    const reload: string[] = [];
    for (const [id, entry] of this.owned) {
      if (entry.touched > since) continue;
      const row = inDb.get(id);
      if (!row) {
        this.forget(id, entry);
      } else if (entry.phase === 'waiting') {
        if (row.updatedAtMs !== entry.updatedAtMs) reload.push(id);
        else if (row.slotMs !== entry.slotMs) this.requeue(entry, row.slotMs);
      }
    }
    for (const row of rows) if (!this.owned.has(row.id)) reload.push(row.id);
    if (reload.length === 0) return;
    for (const owned of await this.schedule.loadOwned(me, reload)) this.take(owned);
    this.pump();
  }

  /** Gives back up to `count` waiting endpoints, those due last first, for other workers to adopt. */
  private async shed(count: number): Promise<void> {
    const waiting = [...this.owned.entries()].filter(([, e]) => e.phase === 'waiting').sort((a, b) => b[1].slotMs - a[1].slotMs);
    const ids = waiting.slice(0, count).map(([id]) => id);
    if (ids.length === 0) return;
    for (const id of ids) this.forget(id, this.owned.get(id)!);
    // If this fails the rows stay ours but unknown to memory: the next reconcile loads them again.
    const released = await this.schedule.release(this.identity.id, ids);
    this.logger.log(`gave back ${released} endpoint(s) above this worker's fair share`);
  }

  /** Puts an adopted or reloaded endpoint in memory (or, while its check runs, keeps the definition for later). */
  private take(owned: OwnedEndpoint): void {
    const id = owned.endpoint.id;
    const entry = this.owned.get(id);
    if (entry && entry.phase !== 'waiting') {
      entry.replacement = owned;
      entry.gone = false;
      entry.touched = ++this.changes;
      return;
    }
    // The old entry's queued slot goes stale with it.
    if (entry) entry.version++;
    const next: Entry = {
      id,
      request: this.shared.request(owned.endpoint, this.config),
      intervalS: owned.intervalS,
      slotMs: owned.slot.getTime(),
      updatedAtMs: owned.updatedAtMs,
      phase: 'waiting',
      version: (entry?.version ?? 0) + 1,
      touched: ++this.changes,
    };
    this.owned.set(id, next);
    // A row never due (`infinity`, as bench fleets are inserted) is owned but not queued.
    if (Number.isFinite(next.slotMs)) this.queue.push({ entry: next, slotMs: next.slotMs, version: next.version });
  }

  private forget(id: string, entry: Entry): void {
    entry.touched = ++this.changes;
    if (entry.phase === 'waiting') {
      entry.version++;
      this.owned.delete(id);
    } else {
      entry.gone = true;
      entry.replacement = undefined;
    }
  }

  private requeue(entry: Entry, slotMs: number): void {
    entry.slotMs = slotMs;
    entry.phase = 'waiting';
    entry.version++;
    entry.touched = ++this.changes;
    if (Number.isFinite(slotMs)) this.queue.push({ entry, slotMs, version: entry.version });
  }

  private dbNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Starts every due slot there is room for, then sets a timer for the next one. */
  private pump(): void {
    if (!this.running) return;
    const now = this.dbNow();
    while (this.active < this.concurrency && !this.writer.backedUp) {
      const head = this.queue.peek();
      if (!head) break;
      const { entry } = head;
      // Forgotten, replaced and re-queued entries all bump their version: an older item is stale.
      if (entry.version !== head.version || entry.phase !== 'waiting') {
        this.queue.pop();
        continue;
      }
      if (head.slotMs > now) break;
      this.queue.pop();
      this.launch(entry);
    }
    this.armWake(now);
  }

  /** A timer for the soonest queued slot, when there is room to start it (otherwise a check's end or a write wakes the loop). */
  private armWake(now: number): void {
    const head = this.queue.peek();
    if (!head || this.active >= this.concurrency || this.writer.backedUp) return;
    const at = Math.min(head.slotMs, now + MAX_WAKE_MS);
    if (this.wakeTimer && this.wakeAt <= at) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = null;
        this.wakeAt = Infinity;
        this.pump();
      },
      Math.max(0, at - now),
    );
  }

  private launch(entry: Entry): void {
    const { id, request } = entry;
    const slot = new Date(entry.slotMs);
    entry.phase = 'running';
    this.active++;
    this.latestCheckDeadline = Math.max(this.latestCheckDeadline, Date.now() + worstCaseCheckMs(request.timeoutMs, request.retry));
    const run = (async () => {
      try {
        const outcome = await this.checker.check(request);
        // Slots are on the database's clock, and so is checked_at of a scheduled result: results of workers
        // whose clocks differ stay in order, and a check started at its slot never looks started before it.
        outcome.checked_at.setTime(Math.floor(outcome.checked_at.getTime() + this.clockOffsetMs));
        entry.phase = 'writing';
        this.writer.add({ endpointId: id, slot, leaseUntil: new Date(this.ownedUntil), outcome });
      } catch (err) {
        // The checker reports failures as outcomes; this is a bug. Try the endpoint again one interval later.
        this.logger.error({ err, msg: `check of endpoint ${id} threw; trying it again in ${entry.intervalS} s` });
        this.settleEntry(entry, { kind: 'retry', slotMs: this.dbNow() + entry.intervalS * 1000 });
      } finally {
        this.active--;
        this.pump();
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private onSettled(settled: WriteSettlement[]): void {
    for (const s of settled) {
      const entry = this.owned.get(s.endpointId);
      // Only the settlement of the slot this entry is writing counts (not a stale one after a re-adoption).
      if (!entry || entry.phase !== 'writing' || entry.slotMs !== s.slot.getTime()) continue;
      if (s.kind === 'lost') this.settleEntry(entry, { kind: 'lost' });
      else if (s.kind === 'unstored') this.settleEntry(entry, { kind: 'retry', slotMs: entry.slotMs });
      else this.settleEntry(entry, { kind: 'retry', slotMs: s.nextSlot.getTime() });
    }
    this.pump();
  }

  /** A check of `entry` is over: forget it, apply a newer definition, or queue its next slot. */
  private settleEntry(entry: Entry, next: { kind: 'lost' } | { kind: 'retry'; slotMs: number }): void {
    const { id } = entry;
    if (entry.gone || (next.kind === 'lost' && !entry.replacement)) {
      entry.phase = 'waiting';
      this.forget(id, entry);
      return;
    }
    if (entry.replacement) {
      const owned = entry.replacement;
      entry.replacement = undefined;
      entry.request = this.shared.request(owned.endpoint, this.config);
      entry.intervalS = owned.intervalS;
      entry.updatedAtMs = owned.updatedAtMs;
      // The slot the settlement gives is newer than the one read when the replacement was loaded.
      const slotMs = next.kind === 'retry' ? Math.max(next.slotMs, owned.slot.getTime()) : owned.slot.getTime();
      this.requeue(entry, slotMs);
      return;
    }
    if (next.kind === 'retry') this.requeue(entry, next.slotMs);
  }
}

/** Distinct JSON values kept at most; past that the table starts over (it only saves memory). */
const MAX_SHARED_VALUES = 10_000;

/**
 * Tens of thousands of owned endpoints mostly repeat the same few retry policies, expected statuses, header
 * sets and assertion lists: each distinct value is kept once and shared (the checker only reads them), so a
 * worker's memory grows with its distinct definitions rather than with every endpoint's copy.
 */
class SharedValues {
  private readonly values = new Map<string, unknown>();

  request(e: ScheduledEndpoint, config: VigilConfig): CheckRequest {
    return checkRequestFrom(
      {
        ...e,
        expectedStatus: this.share(e.expectedStatus),
        headers: this.share(e.headers),
        retry: this.share(e.retry),
        assertions: this.share(e.assertions),
      },
      config,
    );
  }

  private share<T>(value: T): T {
    if (value === null || typeof value !== 'object') return value;
    const key = JSON.stringify(value);
    const known = this.values.get(key);
    if (known !== undefined) return known as T;
    if (this.values.size >= MAX_SHARED_VALUES) this.values.clear();
    this.values.set(key, value);
    return value;
  }
}
