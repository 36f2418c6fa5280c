import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { VigilConfig } from '@vigil/config';
import { withSessionLock } from '@vigil/database';
import { DataSource, type QueryRunner } from 'typeorm';
import { PeriodicJob } from '../jobs/periodic-job';
import { COMPACTION_LOCK } from '../rollups/rollup-locks';
import { UNIT_MS } from '../rollups/rollup-units';
import { type CompactedHour, UptimeRollupsRepository } from '../rollups/uptime-rollups.repository';

/** Soon after start, so that hours left behind while no process ran checks are caught up. */
const FIRST_RUN_DELAY_MS = 10_000;
/** Hours become due once an hour; a run that finds none costs one read of the watermark. */
const INTERVAL_MS = 60_000;

/** What one run did: `skipped` when another process (or run) held the compaction lock. */
export type CompactionRun = { skipped: true } | { skipped: false; hours: CompactedHour[]; compactedUntil: Date };

/**
 * Builds the hour and day rollups of every UTC hour that ended more than UPTIME_COMPACTION_GRACE_S ago from
 * its minute rows, oldest first, one transaction per hour (so check writes into that hour wait for one
 * hour's work at most), advancing the watermark `uptime_compaction.compacted_until` in the same transaction.
 * Runs on a timer in the processes that run checks; a session advisory lock keeps it to one run at a time
 * across every process. See UptimeRollupsRepository for why concurrent check batches lose nothing.
 */
@Injectable()
export class RollupCompactionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RollupCompaction');
  private readonly job = new PeriodicJob(
    () => this.runOnce(),
    (err) => this.logger.error(`rollup compaction failed: ${err instanceof Error ? err.message : String(err)}`),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: VigilConfig,
    private readonly rollups: UptimeRollupsRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.job.start(FIRST_RUN_DELAY_MS, INTERVAL_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  /**
   * Compacts every hour due at `now` (the timer calls this; so may tests and tools), stopping early on
   * shutdown. Resolves `{ skipped: true }` if another run holds the lock.
   */
  async runOnce(now = new Date()): Promise<CompactionRun> {
    const due = now.getTime() - this.config.uptime.compactionGraceS * 1000;
    const run = await withSessionLock(this.dataSource, COMPACTION_LOCK, async (runner) => {
      const started = performance.now();
      const hours: CompactedHour[] = [];
      let compactedUntil = await this.rollups.watermark(runner.manager);
      while (!this.job.stopped && compactedUntil.getTime() + UNIT_MS.hour <= due) {
        const done = await this.compactNext(runner, due);
        if (!done) break;
        hours.push(done);
        compactedUntil = new Date(done.hour.getTime() + UNIT_MS.hour);
      }
      if (hours.length) this.logger.log(describe(hours, compactedUntil, performance.now() - started));
      return { skipped: false as const, hours, compactedUntil };
    });
    if (run.locked) return run.value;
    this.logger.debug('another compaction run holds the lock: skipping');
    return { skipped: true };
  }

  /** Compacts the hour at the watermark in a transaction of its own, if it ended by `due`; null otherwise. */
  private async compactNext(runner: QueryRunner, due: number): Promise<CompactedHour | null> {
    await runner.startTransaction();
    try {
      const hour = await this.rollups.lockWatermark(runner);
      const end = new Date(hour.getTime() + UNIT_MS.hour);
      if (end.getTime() > due) {
        await runner.commitTransaction();
        return null;
      }
      const done = await this.rollups.compactHour(runner, hour);
      await this.rollups.advanceWatermark(runner, end);
      await runner.commitTransaction();
      return done;
    } catch (err) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    }
  }
}

function describe(hours: CompactedHour[], until: Date, ms: number): string {
  const rows = (pick: (h: CompactedHour) => number) => hours.reduce((sum, h) => sum + pick(h), 0);
  const span = hours.length === 1 ? hours[0].hour.toISOString() : `${hours[0].hour.toISOString()} to ${hours[hours.length - 1].hour.toISOString()}`;
  return (
    `compacted ${hours.length} hour(s) (${span}): ${rows((h) => h.hourRows)} hour row(s), ${rows((h) => h.dayRows)} day row(s) ` +
    `in ${Math.round(ms)} ms; hour and day rollups complete before ${until.toISOString()}`
  );
}
