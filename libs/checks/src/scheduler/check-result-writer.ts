import { Injectable, Logger } from '@nestjs/common';
import { CheckRecorder, type ScheduledCheckResult } from '../check-recorder';
import { WorkerIdentity } from '../worker-identity';

/** A batch is written when it reaches this many results, or this long after its first one. */
export const WRITE_BATCH_SIZE = 200;
export const WRITE_BATCH_DELAY_MS = 100;
/** After a failed write, results whose lease still runs are tried again this much later. */
const RETRY_DELAY_MS = 1000;

/**
 * Collects scheduled results and stores them in batches, one transaction per batch (CheckRecorder):
 * far fewer round trips and commits than one per check. Batches are written one after another.
 */
@Injectable()
export class CheckResultWriter {
  private readonly logger = new Logger('CheckResultWriter');
  private buffer: ScheduledCheckResult[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly recorder: CheckRecorder,
    private readonly identity: WorkerIdentity,
  ) {}

  get pending(): number {
    return this.buffer.length;
  }

  add(result: ScheduledCheckResult): void {
    if (this.closed) {
      // Stopping: the lease was (or is being) released, so another worker runs the slot again.
      this.logger.warn(`result for ${result.endpointId} at ${result.slot.toISOString()} arrived after shutdown; the slot will run again`);
      return;
    }
    this.buffer.push(result);
    if (this.buffer.length >= WRITE_BATCH_SIZE) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), WRITE_BATCH_DELAY_MS);
  }

  /** Writes everything buffered so far; resolves when it is stored (or given up on). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.writing = this.writing.then(() => this.writeBuffered());
    return this.writing;
  }

  /** Stops accepting results and writes what is buffered. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length) this.logger.warn(`${this.buffer.length} result(s) not stored at shutdown; their slots will run again`);
    this.buffer = [];
  }

  private async writeBuffered(): Promise<void> {
    while (this.buffer.length) {
      const batch = this.buffer.splice(0, WRITE_BATCH_SIZE);
      try {
        await this.recorder.recordScheduled(this.identity.id, batch);
      } catch (err) {
        // Keep what can still be stored under its lease; the rest will be claimed again and re-run.
        const now = Date.now();
        const keep = batch.filter((r) => r.leaseUntil.getTime() > now);
        this.logger.warn({ err, msg: `could not store ${batch.length} result(s); retrying ${keep.length} in ${RETRY_DELAY_MS} ms` });
        this.buffer.unshift(...keep);
        if (!this.closed && this.buffer.length) this.timer ??= setTimeout(() => void this.flush(), RETRY_DELAY_MS);
        return;
      }
    }
  }
}
