import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { VigilConfig } from '@vigil/config';
import { withSessionLock } from '@vigil/database';
import { DataSource, type QueryRunner } from 'typeorm';
import { PeriodicJob } from '../jobs/periodic-job';
import { UptimeRollupsRepository } from '../rollups/uptime-rollups.repository';

/**
 * Arbitrary, fixed: every Vigil process takes the same lock so only one retention run goes at a time.
 * Advisory lock keys in use: 727001 migrations, 727002 bootstrap keys, 727003 retention, 727004 and 727005
 * rollup compaction (rollups/rollup-locks.ts), 727101 monitors file.
 */
export const RETENTION_LOCK = 727_003;

const DAY_MS = 86_400_000;
/** The first run waits this long after bootstrap, so it never competes with start-up work. */
const FIRST_RUN_DELAY_MS = 60_000;

/** A table the retention job trims: rows whose `timeColumn` is before the cutoff go. */
interface RetentionTarget {
  table: 'check_results' | 'uptime_minute' | 'uptime_hour' | 'uptime_day';
  timeColumn: 'checked_at' | 'bucket_start';
  days: number;
}

export interface RetentionTableResult {
  table: RetentionTarget['table'];
  /** Rows older than this instant were deleted; a row exactly at it is kept. */
  cutoff: Date;
  deleted: number;
  batches: number;
}

/** What one run did: `skipped` when another process (or run) held the retention lock. */
export type RetentionRun = { skipped: true } | { skipped: false; tables: RetentionTableResult[]; deleted: number };

/**
 * Deletes old raw check results and rollup rows in small batches (each its own autocommit statement, so
 * writers never wait on a long transaction), pausing between batches. Runs on a timer in the processes
 * that run checks; a session advisory lock on the run's own connection keeps it to one run at a time
 * across every process. Incidents are never touched.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private readonly job = new PeriodicJob(
    () => this.runOnce(),
    (err) => this.logger.error(`retention run failed: ${err instanceof Error ? err.message : String(err)}`),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: VigilConfig,
    private readonly rollups: UptimeRollupsRepository,
  ) {}

  onApplicationBootstrap(): void {
    const intervalMs = this.config.retention.intervalS * 1000;
    this.job.start(Math.min(FIRST_RUN_DELAY_MS, intervalMs), intervalMs);
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  /** The tables, their time columns and how many days each keeps. */
  targets(): RetentionTarget[] {
    const r = this.config.retention;
    return [
      { table: 'check_results', timeColumn: 'checked_at', days: r.rawDays },
      { table: 'uptime_minute', timeColumn: 'bucket_start', days: r.minuteDays },
      { table: 'uptime_hour', timeColumn: 'bucket_start', days: r.rollupDays },
      { table: 'uptime_day', timeColumn: 'bucket_start', days: r.rollupDays },
    ];
  }

  /** One run now (the timer calls this; so may tests and tools). Resolves `{ skipped: true }` if another run holds the lock. */
  async runOnce(now = new Date()): Promise<RetentionRun> {
    const run = await withSessionLock(this.dataSource, RETENTION_LOCK, async (runner) => {
      const tables: RetentionTableResult[] = [];
      const compactedUntil = (await this.rollups.watermark(runner.manager)).getTime();
      for (const target of this.targets()) {
        if (this.job.stopped) break;
        let cutoff = now.getTime() - target.days * DAY_MS;
        // Minute rows of hours not compacted yet are all their hour and day rows will be made of: never deleted.
        if (target.table === 'uptime_minute') cutoff = Math.min(cutoff, compactedUntil);
        tables.push(await this.trim(runner, target, new Date(cutoff)));
      }
      const deleted = tables.reduce((sum, t) => sum + t.deleted, 0);
      this.logger.log(
        `deleted ${deleted} row(s): ${tables.map((t) => `${t.table} ${t.deleted} (before ${t.cutoff.toISOString()}, ${t.batches} batch(es))`).join(', ')}`,
      );
      return { skipped: false as const, tables, deleted };
    });
    if (run.locked) return run.value;
    this.logger.debug('another retention run holds the lock: skipping');
    return { skipped: true };
  }

  /** Waits between two batches, so the job takes a small share of the database. */
  protected pause(): Promise<void> {
    const ms = this.config.retention.batchPauseMs;
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }

  private async trim(runner: QueryRunner, target: RetentionTarget, cutoff: Date): Promise<RetentionTableResult> {
    if (target.table === 'check_results') return this.trimResults(runner, cutoff);
    const { table, timeColumn } = target;
    // The inner select walks the time index; the outer condition is re-checked on the row actually deleted.
    const sql = `DELETE FROM ${table}
      WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${timeColumn} < $1 LIMIT $2))
        AND ${timeColumn} < $1`;
    return this.inBatches(table, cutoff, (batchSize) => this.deleteBatch(runner, sql, [cutoff, batchSize]));
  }

  /**
   * Raw results have no index on time alone (every check would pay for it): they are found endpoint by
   * endpoint through (endpoint_id, checked_at), walking the endpoints in id order, `batchSize` of them at a
   * time. Results of an endpoint that no longer exists are not reached, and need not be: deleting an
   * endpoint deletes its results.
   */
  private async trimResults(runner: QueryRunner, cutoff: Date): Promise<RetentionTableResult> {
    const batchSize = this.config.retention.batchSize;
    const sql = `DELETE FROM check_results
      WHERE ctid = ANY(ARRAY(
          SELECT r.ctid FROM unnest($3::uuid[]) AS e(id)
          CROSS JOIN LATERAL (SELECT ctid FROM check_results c WHERE c.endpoint_id = e.id AND c.checked_at < $1 LIMIT $2) r
          LIMIT $2))
        AND checked_at < $1`;
    let after: string | null = null;
    let deleted = 0;
    let batches = 0;
    while (!this.job.stopped) {
      const rows: Array<{ id: string }> = await runner.query(`SELECT id FROM endpoints WHERE $1::uuid IS NULL OR id > $1 ORDER BY id LIMIT $2`, [
        after,
        batchSize,
      ]);
      const ids = rows.map((r) => r.id);
      if (ids.length === 0) break;
      const group = await this.inBatches('check_results', cutoff, (n) => this.deleteBatch(runner, sql, [cutoff, n, ids]));
      deleted += group.deleted;
      batches += group.batches;
      if (ids.length < batchSize) break;
      after = ids[ids.length - 1];
    }
    return { table: 'check_results', cutoff, deleted, batches };
  }

  /** Runs `batch` (deleting at most batchSize rows) until one deletes fewer, pausing in between. */
  private async inBatches(table: RetentionTarget['table'], cutoff: Date, batch: (batchSize: number) => Promise<number>): Promise<RetentionTableResult> {
    const batchSize = this.config.retention.batchSize;
    let deleted = 0;
    let batches = 0;
    while (!this.job.stopped) {
      const affected = await batch(batchSize);
      deleted += affected;
      batches++;
      if (affected < batchSize) break;
      await this.pause();
    }
    return { table, cutoff, deleted, batches };
  }

  /** One batch, in autocommit: every batch is its own short transaction. */
  private async deleteBatch(runner: QueryRunner, sql: string, params: unknown[]): Promise<number> {
    const result = (await runner.query(sql, params, true)) as { affected?: number };
    return result.affected ?? 0;
  }
}
