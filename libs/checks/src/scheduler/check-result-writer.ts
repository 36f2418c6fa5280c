import { Injectable, Logger } from '@nestjs/common';
import { CheckRecorder, type ScheduledCheckResult, type SlotSettlement } from '../check-recorder';
import { WorkerIdentity } from '../worker-identity';

/**
 * A batch is written when it reaches this many results, or this long after its first one. Part of what a
 * batch costs the database is paid once per statement whatever its size (measured: about 69 µs of backend
 * CPU per check in batches of 250, 58 in batches of 500, 53 in batches of 1000), so a loaded worker writes
 * large batches; a quiet one writes what it has after the delay.
 */
export const WRITE_BATCH_SIZE = 500;
export const WRITE_BATCH_DELAY_MS = 100;
/**
 * Batches written at the same time, each in its own transaction: while one waits for its commit, the next
 * is sent. Two batches never hold the same endpoint (its owner runs the next slot only once this one is
 * settled), so they never wait on each other's row locks.
 */
export const CONCURRENT_WRITES = 3;
/**
 * Results waiting for a write beyond the batches being written. Past this the writer is `backedUp` and the
 * scheduler starts no check until it catches up: results queue in memory, not without bound.
 */
export const MAX_WAITING = 2 * WRITE_BATCH_SIZE;
/** After a failed write, results whose lease still runs are tried again this much later. */
const RETRY_DELAY_MS = 1000;

/** What became of a result handed to the writer: a recorder settlement, or `unstored` when writing it was given up. */
export type WriteSettlement = SlotSettlement | { endpointId: string; slot: Date; kind: 'unstored' };

/**
 * Collects scheduled results and stores them in batches, one transaction per batch (CheckRecorder):
 * far fewer round trips and commits than one per check.
 */
@Injectable()
export class CheckResultWriter {
  private readonly logger = new Logger('CheckResultWriter');
  private buffer: ScheduledCheckResult[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The delay of the waiting partial batch has passed, but no write could start then. */
  private partialDue = false;
  /** After a failed write, no batch starts before this (ms since the epoch) unless flushed. */
  private retryAt = 0;
  private readonly writes = new Set<Promise<void>>();
  private readonly listeners: Array<() => void> = [];
  private readonly settledListeners: Array<(settled: WriteSettlement[]) => void> = [];
  private closed = false;

  constructor(
    private readonly recorder: CheckRecorder,
    private readonly identity: WorkerIdentity,
  ) {}

  /** Results waiting for a write (those being written not included). */
  get pending(): number {
    return this.buffer.length;
  }

  /** More than MAX_WAITING results wait: starting more checks would only lengthen the queue. */
  get backedUp(): boolean {
    return this.buffer.length >= MAX_WAITING;
  }

  /** Calls `listener` each time a write ends (stored or failed): room may have freed up. */
  onWritten(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Calls `listener` with what became of each result once its write is over (stored, dropped or given up). */
  onSettled(listener: (settled: WriteSettlement[]) => void): void {
    this.settledListeners.push(listener);
  }

  add(result: ScheduledCheckResult): void {
    if (this.closed) {
      // Stopping: the lease was (or is being) released, so another worker runs the slot again.
      this.logger.warn(`result for ${result.endpointId} at ${result.slot.toISOString()} arrived after shutdown; the slot will run again`);
      return;
    }
    this.buffer.push(result);
    if (this.buffer.length >= WRITE_BATCH_SIZE) this.startWrites();
    else this.timer ??= setTimeout(() => this.onDelayPassed(), WRITE_BATCH_DELAY_MS);
  }

  /** Writes everything buffered so far; resolves when it is stored (or given up on). */
  async flush(): Promise<void> {
    this.clearTimer();
    const batches: Array<Promise<void>> = [...this.writes];
    while (this.buffer.length) batches.push(this.track(this.buffer.splice(0, WRITE_BATCH_SIZE)));
    await Promise.all(batches);
  }

  /** Stops accepting results and writes what is buffered. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.clearTimer();
    if (this.buffer.length) this.logger.warn(`${this.buffer.length} result(s) not stored at shutdown; their slots will run again`);
    this.buffer = [];
  }

  /** The waiting batch's delay, or the wait after a failed write, is over. */
  private onDelayPassed(): void {
    this.timer = null;
    this.retryAt = 0;
    this.partialDue = true;
    this.startWrites();
  }

  /** Starts writes while fewer than CONCURRENT_WRITES run: full batches, and a partial one whose delay passed. */
  private startWrites(): void {
    if (Date.now() < this.retryAt) return;
    while (this.writes.size < CONCURRENT_WRITES && (this.buffer.length >= WRITE_BATCH_SIZE || (this.partialDue && this.buffer.length > 0))) {
      const batch = this.buffer.splice(0, WRITE_BATCH_SIZE);
      if (this.buffer.length === 0) {
        this.partialDue = false;
        this.clearTimer();
      }
      void this.track(batch);
    }
  }

  private track(batch: ScheduledCheckResult[]): Promise<void> {
    const write = this.write(batch).finally(() => {
      this.writes.delete(write);
      if (!this.closed) this.startWrites();
      for (const listener of this.listeners) listener();
    });
    this.writes.add(write);
    return write;
  }

  private async write(batch: ScheduledCheckResult[]): Promise<void> {
    try {
      const { settlements } = await this.recorder.settleScheduled(this.identity.id, batch);
      this.settle(settlements);
    } catch (err) {
      // Keep what can still be stored under its lease; the others' slots are run again.
      const now = Date.now();
      const keep = batch.filter((r) => r.leaseUntil.getTime() > now);
      this.logger.warn({ err, msg: `could not store ${batch.length} result(s); retrying ${keep.length} in ${RETRY_DELAY_MS} ms` });
      if (keep.length < batch.length) {
        this.settle(batch.filter((r) => r.leaseUntil.getTime() <= now).map(({ endpointId, slot }) => ({ endpointId, slot, kind: 'unstored' as const })));
      }
      this.buffer.unshift(...keep);
      this.retryAt = now + RETRY_DELAY_MS;
      if (!this.closed && this.buffer.length) {
        this.clearTimer();
        this.timer = setTimeout(() => this.onDelayPassed(), RETRY_DELAY_MS);
      }
    }
  }

  private settle(settled: WriteSettlement[]): void {
    for (const listener of this.settledListeners) {
      try {
        listener(settled);
      } catch (err) {
        this.logger.error({ err, msg: 'a settlement listener threw' });
      }
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
