import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { VigilConfig } from '@vigil/config';
import { type ClaimedSlot, EndpointScheduleRepository } from '@vigil/endpoints';
import { checkRequestFrom, HttpChecker, worstCaseCheckMs } from '../checker';
import { CheckResultWriter } from './check-result-writer';
import { ConcurrencyLimit } from './concurrency-limit';
import { WorkerIdentity } from '../worker-identity';

/** What /ready and operators see of the loop. */
export interface SchedulerState {
  running: boolean;
  worker_id: string;
  last_tick_at: string | null;
  in_flight: number;
  /** Claimed checks waiting for a free slot (claimed ahead, see Scheduler). */
  queued: number;
  concurrency: number;
  pending_writes: number;
}

/** A loop that has not finished a tick for this long is stuck (a tick is one claim query). */
const STALE_AFTER_MIN_MS = 30_000;

/**
 * The check loop of this process: every `scheduler.tickMs` it claims due endpoints, runs them (never more
 * than `checks.concurrency` checks in flight), and hands the outcomes to the batching writer. It claims
 * up to one batch ahead of its free capacity: those checks wait in memory for a slot, so a slot that frees
 * up starts the next check at once instead of idling through a claim's round trip (with claims only for
 * free slots, a saturated worker kept 40 % of its slots busy; bench:checks). A claimed check that waits
 * holds its lease meanwhile. Started once, on application bootstrap of CheckSchedulerModule; stopped on
 * shutdown: stop claiming, let checks in flight finish (those still waiting are not started), write their
 * results, give back leases still held.
 */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Scheduler');
  private readonly limit: ConcurrencyLimit;
  /** How many claimed checks may wait for a slot: one batch, at most the concurrency. */
  private readonly ahead: number;
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private tickInProgress: Promise<void> | null = null;
  private startedAt = 0;
  private lastTickAt: Date | null = null;
  private stopping: Promise<void> | null = null;
  /** The last claim came back full: more is due, so freed capacity should be used before the next tick. */
  private backlogged = false;
  /** When the slowest check launched so far must be over (every attempt timing out), in ms since the epoch. */
  private latestCheckDeadline = 0;

  constructor(
    private readonly config: VigilConfig,
    private readonly identity: WorkerIdentity,
    private readonly schedule: EndpointScheduleRepository,
    private readonly checker: HttpChecker,
    private readonly writer: CheckResultWriter,
  ) {
    this.limit = new ConcurrencyLimit(config.checks.concurrency);
    this.ahead = Math.min(config.scheduler.batchSize, this.limit.max);
    // A claim held back by a backed-up writer goes out as soon as a write ends.
    writer.onWritten(() => this.claimSoonIfBacklogged());
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
    this.logger.log(`checking as ${this.identity.id} (concurrency ${this.limit.max}, tick ${this.config.scheduler.tickMs} ms)`);
    this.scheduleTick(0);
  }

  state(): SchedulerState {
    return {
      running: this.running,
      worker_id: this.identity.id,
      last_tick_at: this.lastTickAt?.toISOString() ?? null,
      in_flight: this.limit.inUse,
      queued: this.limit.queued,
      concurrency: this.limit.max,
      pending_writes: this.writer.pending,
    };
  }

  /** Running, and its last tick is recent: the loop is alive (whether or not the database answered). */
  isHealthy(now = Date.now()): boolean {
    const staleAfter = Math.max(STALE_AFTER_MIN_MS, 10 * this.config.scheduler.tickMs);
    return this.running && now - (this.lastTickAt?.getTime() ?? this.startedAt) < staleAfter;
  }

  /** Idempotent; resolves once results are written and leaves given back. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
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
    try {
      const released = await this.schedule.releaseLeases(this.identity.id);
      if (released) this.logger.log(`released ${released} lease(s) still held, for another worker to take at once`);
    } catch (err) {
      this.logger.warn({ err, msg: 'could not release leases; they will expire' });
    }
  }

  private scheduleTick(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tickInProgress = this.tick().finally(() => (this.tickInProgress = null));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    let more = false;
    try {
      // While the writer is backed up, results wait in memory and their leases run: claim nothing more until it catches up.
      const room = this.writer.backedUp ? 0 : this.room();
      if (this.writer.backedUp) this.backlogged = true;
      if (room > 0) {
        const want = Math.min(room, this.config.scheduler.batchSize);
        const claimed = await this.schedule.claimDue(this.identity.id, want, this.config.scheduler.leaseS);
        for (const claim of claimed) this.launch(claim);
        // A full batch means more may be due: claim again at once while there is room, or as soon as
        // some frees up (see launch) rather than a whole tick later.
        this.backlogged = claimed.length === want;
        more = this.backlogged && this.room() > 0;
      }
    } catch (err) {
      this.logger.warn({ err, msg: 'claiming due checks failed; retrying next tick' });
    }
    this.lastTickAt = new Date();
    if (this.running) this.scheduleTick(more ? 0 : this.config.scheduler.tickMs);
  }

  private launch(claim: ClaimedSlot): void {
    const { endpoint, slot, leaseUntil } = claim;
    this.latestCheckDeadline = Math.max(this.latestCheckDeadline, Date.now() + worstCaseCheckMs(endpoint.timeoutMs, endpoint.retry));
    const run = (async () => {
      const release = await this.limit.acquire();
      if (!this.running) {
        // Claimed ahead and still waiting when the loop stopped: not started; shutdown gives its lease back.
        release();
        return;
      }
      try {
        const outcome = await this.checker.check(checkRequestFrom(endpoint, this.config));
        this.writer.add({ endpointId: endpoint.id, endpointName: endpoint.name, slot, leaseUntil, outcome });
      } catch (err) {
        // The checker reports failures as outcomes; this is a bug. The lease expires and the slot runs again.
        this.logger.error({ err, msg: `check of endpoint ${endpoint.id} threw; its slot will be retried when the lease expires` });
      } finally {
        release();
        this.claimSoonIfBacklogged();
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** How many more checks may be claimed now: the free slots, plus what may wait for one (`ahead`). */
  private room(): number {
    return Math.max(0, this.limit.max + this.ahead - this.limit.inUse - this.limit.queued);
  }

  /** While backlogged and waiting for the next tick, room for a quarter of a batch starts a claim now. */
  private claimSoonIfBacklogged(): void {
    const enough = Math.max(1, Math.floor(this.ahead / 4));
    if (!this.backlogged || !this.running || !this.timer || this.tickInProgress || this.room() < enough || this.writer.backedUp) return;
    clearTimeout(this.timer);
    this.backlogged = false;
    this.scheduleTick(0);
  }
}
