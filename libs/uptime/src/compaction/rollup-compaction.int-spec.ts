import type { RecordedCheck } from '@vigil/checks';
import { lockTable } from '../../../../test/support/table-lock';
import { startRollupContext, type RollupContext } from '../../../../test/uptime/support/rollup-context';
import {
  compactedUntil,
  expectedRollupRows,
  insertEndpoints,
  latency,
  outcomeOf,
  type PlannedCheck,
  random,
  recordScheduled,
  rollupRows,
  setCompactedUntil,
} from '../../../../test/uptime/support/uptime-fixtures';
import { COMPACTION_LOCK, HOUR_LOCK_CLASS, hourNumber } from '../rollups/rollup-locks';
import type { CompactionRun } from './rollup-compaction.service';

const UNITS = ['minute', 'hour', 'day'] as const;
const HOUR = 3_600_000;
const GRACE_MS = 300_000;
const at = (iso: string) => new Date(iso);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The first instant at which the hour starting at `iso` may be compacted (its end plus the default grace). */
const dueAt = (iso: string) => new Date(Date.parse(iso) + HOUR + GRACE_MS);

async function rowCounts(ctx: RollupContext): Promise<Record<(typeof UNITS)[number], number>> {
  const [row] = await ctx.sql(
    `SELECT (SELECT count(*) FROM uptime_minute)::int AS minute, (SELECT count(*) FROM uptime_hour)::int AS hour, (SELECT count(*) FROM uptime_day)::int AS day`,
  );
  return row;
}

async function expectAllTablesToMatchRaw(ctx: RollupContext): Promise<void> {
  for (const unit of UNITS) expect({ unit, rows: await rollupRows(ctx.sql, unit) }).toEqual({ unit, rows: await expectedRollupRows(ctx.sql, unit) });
}

/** Waits until `n` other sessions of the suite's database wait for a lock; their statements. */
async function untilLockWaits(ctx: RollupContext, n: number, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows: Array<{ query: string }> = await ctx.sql(
      `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
    );
    if (rows.length >= n) return rows.map((r) => r.query.trim());
    if (Date.now() > deadline) throw new Error(`${n} session(s) waiting for a lock expected within ${timeoutMs} ms, saw ${rows.length}`);
    await sleep(20);
  }
}

/** Rollup rows (any granularity) of endpoints that no longer exist. */
async function orphanRollups(ctx: RollupContext): Promise<Array<{ unit: string; endpoint_id: string }>> {
  return ctx.sql(
    UNITS.map(
      (u) => `SELECT DISTINCT '${u}' AS unit, endpoint_id::text FROM uptime_${u} r WHERE NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.id = r.endpoint_id)`,
    ).join(' UNION ALL '),
  );
}

/** `n` checks of every endpoint at random instants of [fromIso, fromIso + hours). */
function checksIn(endpoints: Array<{ id: string }>, fromIso: string, hours: number, n: number, seed: number): PlannedCheck[] {
  const rnd = random(seed);
  const from = Date.parse(fromIso);
  return endpoints.flatMap((e) =>
    Array.from({ length: n }, () => ({
      endpointId: e.id,
      checkedAt: new Date(from + Math.floor(rnd() * hours * HOUR)),
      success: rnd() < 0.85,
      responseTimeMs: latency(rnd),
      attempts: rnd() < 0.1 ? 2 : 1,
    })),
  );
}

describe('rollup compaction (hour and day rows built from minute rows; real PostgreSQL, results written through CheckRecorder)', () => {
  let ctx: RollupContext;

  beforeAll(async () => {
    ctx = await startRollupContext();
  });
  afterAll(() => ctx?.close());
  beforeEach(() => ctx.sql('TRUNCATE endpoints, check_results, uptime_minute, uptime_hour, uptime_day CASCADE'));

  it('starts the watermark of a new database at the start of the hour it was migrated in', async () => {
    const [{ expected }] = await ctx.sql(`SELECT date_trunc('hour', now(), 'UTC') AS expected`);
    // The suite's database was migrated moments ago: the same hour, or the one before if an hour just began.
    const until = Date.parse(await compactedUntil(ctx.sql));
    expect([new Date(expected).getTime(), new Date(expected).getTime() - HOUR]).toContain(until);
  });

  it('writes only minute rows for results in hours not compacted yet (the hot path)', async () => {
    await setCompactedUntil(ctx.sql, '2026-04-01T10:00:00Z');
    const endpoints = await insertEndpoints(ctx.sql, 3);
    await recordScheduled(ctx.sql, ctx.recorder, checksIn(endpoints, '2026-04-01T10:00:00Z', 3, 4, 1));
    await ctx.recorder.recordManual(
      endpoints[0].id,
      outcomeOf({ endpointId: endpoints[0].id, checkedAt: at('2026-04-01T12:59:59Z'), success: true, responseTimeMs: 12 }),
      'api',
    );

    const counts = await rowCounts(ctx);
    expect(counts.minute).toBeGreaterThan(0);
    expect({ hour: counts.hour, day: counts.day }).toEqual({ hour: 0, day: 0 });
    expect(await rollupRows(ctx.sql, 'minute')).toEqual(await expectedRollupRows(ctx.sql, 'minute'));
  });

  it('adds a late result, whose hour is already compacted, to its minute, hour and day rows at once', async () => {
    await setCompactedUntil(ctx.sql, '2026-04-01T10:00:00Z');
    const endpoints = await insertEndpoints(ctx.sql, 2);
    await recordScheduled(ctx.sql, ctx.recorder, checksIn(endpoints, '2026-04-01T10:00:00Z', 1, 5, 2));
    const run = await ctx.compaction.runOnce(dueAt('2026-04-01T10:00:00Z'));
    expect(run).toMatchObject({ skipped: false, compactedUntil: at('2026-04-01T11:00:00Z') });
    const before = await rowCounts(ctx);

    // Late: stamped 10:59:58, stored after 10:00 was compacted (a check that ran past the grace period).
    const late: PlannedCheck = { endpointId: endpoints[1].id, checkedAt: at('2026-04-01T10:59:58Z'), success: true, responseTimeMs: 4321 };
    await recordScheduled(ctx.sql, ctx.recorder, [late]);
    // And one in 09:00, long compacted too (the watermark is past it), in a new minute, hour and day row.
    await ctx.recorder.recordManual(
      endpoints[0].id,
      outcomeOf({ endpointId: endpoints[0].id, checkedAt: at('2026-03-31T09:30:00Z'), success: false, responseTimeMs: 5000 }),
      'api',
    );

    const after = await rowCounts(ctx);
    expect(after.hour).toBe(before.hour + 1);
    expect(after.day).toBe(before.day + 1);
    await expectAllTablesToMatchRaw(ctx);
    // Nothing else became due: the watermark did not move.
    expect(await compactedUntil(ctx.sql)).toBe('2026-04-01T11:00:00.000Z');
  });

  it('compacts an hour only once it ended more than UPTIME_COMPACTION_GRACE_S ago, and catches up oldest first, one hour per transaction', async () => {
    expect(ctx.config.uptime.compactionGraceS * 1000).toBe(GRACE_MS);
    await setCompactedUntil(ctx.sql, '2026-04-02T20:00:00Z');
    const endpoints = await insertEndpoints(ctx.sql, 4);
    // Six hours across midnight, the first and fourth left empty.
    await recordScheduled(ctx.sql, ctx.recorder, [
      ...checksIn(endpoints, '2026-04-02T21:00:00Z', 2, 6, 3),
      ...checksIn(endpoints, '2026-04-03T00:00:00Z', 2, 6, 4),
    ]);

    expect(await ctx.compaction.runOnce(new Date(dueAt('2026-04-02T20:00:00Z').getTime() - 1))).toEqual({
      skipped: false,
      hours: [],
      compactedUntil: at('2026-04-02T20:00:00Z'),
    });
    // A batch still writing into 23:00 (its shared hour lock, held by another session): the hours before it are
    // committed one by one while the compaction of 23:00 waits for that batch.
    const batch = ctx.dataSource.createQueryRunner();
    await batch.connect();
    const lock = [HOUR_LOCK_CLASS, hourNumber(Date.parse('2026-04-02T23:00:00Z'))];
    await batch.query('SELECT pg_advisory_lock_shared($1, $2)', lock);
    let run: CompactionRun;
    try {
      const running = ctx.compaction.runOnce(new Date(dueAt('2026-04-03T01:00:00Z').getTime() + 59_000));
      while ((await compactedUntil(ctx.sql)) !== '2026-04-02T23:00:00.000Z') await sleep(10);
      await sleep(200);
      expect(await compactedUntil(ctx.sql)).toBe('2026-04-02T23:00:00.000Z');
      await batch.query('SELECT pg_advisory_unlock_shared($1, $2)', lock);
      run = await running;
    } finally {
      await batch.release();
    }
    if (run.skipped) throw new Error('skipped');
    expect(run.compactedUntil).toEqual(at('2026-04-03T02:00:00Z'));
    expect(run.hours.map((h) => [h.hour.toISOString(), h.hourRows, h.dayRows])).toEqual([
      ['2026-04-02T20:00:00.000Z', 0, 0],
      ['2026-04-02T21:00:00.000Z', 4, 4],
      ['2026-04-02T22:00:00.000Z', 4, 4],
      ['2026-04-02T23:00:00.000Z', 0, 4],
      ['2026-04-03T00:00:00.000Z', 4, 4],
      ['2026-04-03T01:00:00.000Z', 4, 4],
    ]);
    await expectAllTablesToMatchRaw(ctx);
  });

  it('is idempotent: compacting hours again changes no row, and a second run finds nothing to do', async () => {
    await setCompactedUntil(ctx.sql, '2026-04-04T00:00:00Z');
    const endpoints = await insertEndpoints(ctx.sql, 5);
    await recordScheduled(ctx.sql, ctx.recorder, checksIn(endpoints, '2026-04-04T00:00:00Z', 30, 20, 5));
    const now = dueAt('2026-04-05T05:00:00Z');
    await ctx.compaction.runOnce(now);
    const first = await Promise.all(UNITS.map((u) => rollupRows(ctx.sql, u)));
    expect(await ctx.compaction.runOnce(now)).toMatchObject({ skipped: false, hours: [] });

    // Moved back (as after restoring an old watermark), the same hours are compacted again: replaced, not added.
    await setCompactedUntil(ctx.sql, '2026-04-04T00:00:00Z');
    const again = await ctx.compaction.runOnce(now);
    expect(again.skipped === false && again.hours.length).toBe(30);
    expect(await Promise.all(UNITS.map((u) => rollupRows(ctx.sql, u)))).toEqual(first);
    await expectAllTablesToMatchRaw(ctx);
  });

  it('upgrading in the middle of an hour: its rows folded live before are replaced by its compaction, never counted twice', async () => {
    const endpoints = await insertEndpoints(ctx.sql, 3);
    // Before the upgrade, every result went into all three tables as it was stored: the late path does exactly that.
    await setCompactedUntil(ctx.sql, '2026-04-06T12:00:00Z');
    await recordScheduled(ctx.sql, ctx.recorder, checksIn(endpoints, '2026-04-06T09:00:00Z', 2.5, 8, 6));
    // The migration runs at 11:30: the watermark starts at the start of that hour.
    await setCompactedUntil(ctx.sql, '2026-04-06T11:00:00Z');
    await recordScheduled(ctx.sql, ctx.recorder, checksIn(endpoints, '2026-04-06T11:30:00Z', 1.5, 8, 7));
    // 11:00 holds partial hour and day rows (its first half): no query reads them, the compaction replaces them.
    await ctx.compaction.runOnce(dueAt('2026-04-06T12:00:00Z'));
    expect(await compactedUntil(ctx.sql)).toBe('2026-04-06T13:00:00.000Z');
    await expectAllTablesToMatchRaw(ctx);
  });

  it('skips the run while another process holds the compaction lock, and lets one of two concurrent runs compact', async () => {
    await setCompactedUntil(ctx.sql, '2026-04-07T00:00:00Z');
    const endpoints = await insertEndpoints(ctx.sql, 2);
    await recordScheduled(ctx.sql, ctx.recorder, checksIn(endpoints, '2026-04-07T00:00:00Z', 6, 10, 8));
    const now = dueAt('2026-04-07T05:00:00Z');
    const other = ctx.dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [COMPACTION_LOCK]);
      expect(await ctx.compaction.runOnce(now)).toEqual({ skipped: true });
      await other.query('SELECT pg_advisory_unlock($1)', [COMPACTION_LOCK]);
    } finally {
      await other.release();
    }
    const runs = await Promise.all([ctx.compaction.runOnce(now), ctx.compaction.runOnce(now)]);
    const hours = runs.flatMap((r) => (r.skipped ? [] : r.hours.map((h) => h.hour.toISOString())));
    expect(hours).toHaveLength(6);
    expect(new Set(hours).size).toBe(6);
    await expectAllTablesToMatchRaw(ctx);
  });

  it.each([
    ['a batch still writing into the hour it compacts', '2026-04-09T11:40:00Z'],
    ['a late batch writing into an earlier hour of the same day (whose day row it rewrites)', '2026-04-09T10:40:00Z'],
  ])('waits for %s, so that result reaches the hour and day rows', async (_, checkedAt) => {
    const endpoints = await insertEndpoints(ctx.sql, 3);
    await setCompactedUntil(ctx.sql, '2026-04-09T10:00:00Z');
    await recordScheduled(ctx.sql, ctx.recorder, checksIn(endpoints, '2026-04-09T10:00:00Z', 2, 5, 10));
    await ctx.compaction.runOnce(dueAt('2026-04-09T10:00:00Z'));
    expect(await compactedUntil(ctx.sql)).toBe('2026-04-09T11:00:00.000Z');

    // The batch folds its result, then stays open (holding its locks) until released.
    let folded!: () => void;
    let release!: () => void;
    const isFolded = new Promise<void>((resolve) => (folded = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const holdingHook = {
      name: 'test-held-batch',
      async afterStore() {
        folded();
        await released;
      },
    };
    ctx.hooks.register(holdingHook);
    try {
      const batch = recordScheduled(ctx.sql, ctx.recorder, [{ endpointId: endpoints[1].id, checkedAt: at(checkedAt), success: true, responseTimeMs: 777 }]);
      await isFolded;
      let finished = false;
      const compaction = ctx.compaction.runOnce(dueAt('2026-04-09T11:00:00Z')).finally(() => (finished = true));
      await sleep(300);
      expect(finished).toBe(false);
      release();
      await batch;
      await compaction;
    } finally {
      release();
      (ctx.hooks.all as unknown[]).splice((ctx.hooks.all as unknown[]).indexOf(holdingHook), 1);
    }
    expect(await compactedUntil(ctx.sql)).toBe('2026-04-09T12:00:00.000Z');
    await expectAllTablesToMatchRaw(ctx);
  });

  describe('an endpoint deleted while its hour is being compacted (no foreign keys: nothing else removes its rows)', () => {
    it('leaves no hour or day row of it when the compaction wrote them first: the delete waits for that compaction to commit', async () => {
      const [gone, kept] = await insertEndpoints(ctx.sql, 2);
      await setCompactedUntil(ctx.sql, '2026-04-10T10:00:00Z');
      await recordScheduled(ctx.sql, ctx.recorder, checksIn([gone, kept], '2026-04-10T10:00:00Z', 1, 6, 40));

      // Compaction of 10:00, as RollupCompactionService runs it, held open after it wrote the hour and day rows.
      const runner = ctx.dataSource.createQueryRunner();
      await runner.connect();
      let removal: Promise<string> | undefined;
      try {
        await runner.startTransaction();
        const hour = await ctx.rollups.lockWatermark(runner);
        expect(hour).toEqual(at('2026-04-10T10:00:00Z'));
        expect(await ctx.rollups.compactHour(runner, hour)).toMatchObject({ hourRows: 2, dayRows: 2 });

        removal = ctx.endpoints.remove(gone.id).then(() => 'deleted');
        const first = await Promise.race([removal, untilLockWaits(ctx, 1).then(() => 'waiting')]);
        await ctx.rollups.advanceWatermark(runner, at('2026-04-10T11:00:00Z'));
        await runner.commitTransaction();
        await removal;
        expect(await orphanRollups(ctx)).toEqual([]);
        expect(first).toBe('waiting');
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
        await removal?.catch(() => undefined);
      }
      expect(await compactedUntil(ctx.sql)).toBe('2026-04-10T11:00:00.000Z');
      await expectAllTablesToMatchRaw(ctx);
    });

    it('writes no hour or day row of it when the delete came first: the compaction waits for the delete and reads after it', async () => {
      const [gone, kept] = await insertEndpoints(ctx.sql, 2);
      await setCompactedUntil(ctx.sql, '2026-04-11T10:00:00Z');
      await recordScheduled(ctx.sql, ctx.recorder, checksIn([gone, kept], '2026-04-11T10:00:00Z', 1, 6, 41));

      // The delete is held in flight at its last statement (DELETE FROM uptime_day) by a table lock, its
      // endpoint row, results, minute and hour rows deleted but not committed.
      const dayLock = await lockTable(ctx.db.url, 'uptime_day');
      let removal: Promise<void> | undefined;
      let compaction: Promise<CompactionRun> | undefined;
      try {
        removal = ctx.endpoints.remove(gone.id);
        await dayLock.waitForBlocked('DELETE FROM uptime_day');
        compaction = ctx.compaction.runOnce(dueAt('2026-04-11T10:00:00Z'));
        const waiting = await untilLockWaits(ctx, 2);
        await dayLock.release();
        await removal;
        expect(await compaction).toMatchObject({ skipped: false, compactedUntil: at('2026-04-11T11:00:00Z') });
        expect(await orphanRollups(ctx)).toEqual([]);
        expect(waiting).toContain('SELECT compacted_until FROM uptime_compaction FOR UPDATE');
      } finally {
        await dayLock.release();
        await Promise.allSettled([removal, compaction]);
      }
      await expectAllTablesToMatchRaw(ctx);
    });
  });

  it('loses and doubles no result when check batches race the compaction of the hours they write into', async () => {
    const endpoints = await insertEndpoints(ctx.sql, 16);
    const workers = [0, 1, 2, 3].map((w) => endpoints.filter((_, i) => i % 4 === w));
    await setCompactedUntil(ctx.sql, '2026-04-08T09:00:00Z');
    await recordScheduled(ctx.sql, ctx.recorder, checksIn(endpoints, '2026-04-08T09:00:00Z', 2, 2, 9));
    await ctx.compaction.runOnce(dueAt('2026-04-08T09:00:00Z'));
    expect(await compactedUntil(ctx.sql)).toBe('2026-04-08T10:00:00.000Z');

    // Every batch holds its locks a while after folding, so compactions have batches to wait for, and
    // batches queue behind compactions. Checks fall in 09:00 (late from the start), 10:00-12:00 (compacted
    // during the race, one after the other) and 13:00 (compacted after it).
    let stored = 0;
    const slowHook = {
      name: 'test-slow-batches',
      async afterStore(m: { query(sql: string): Promise<unknown> }, recorded: RecordedCheck[]) {
        await m.query('SELECT pg_sleep(0.004)');
        stored += recorded.length;
      },
    };
    ctx.hooks.register(slowHook);
    try {
      const planned = workers.map((mine, w) => checksIn(mine, '2026-04-08T09:00:00Z', 5, 40, 20 + w));
      const manual = checksIn(endpoints, '2026-04-08T09:00:00Z', 5, 2, 30);
      const total = planned.flat().length + manual.length;
      const compactions = (async () => {
        for (const [i, hour] of ['2026-04-08T10:00:00Z', '2026-04-08T11:00:00Z', '2026-04-08T12:00:00Z'].entries()) {
          while (stored < ((i + 1) * total) / 4) await sleep(2);
          const run = await ctx.compaction.runOnce(dueAt(hour));
          expect(run.skipped === false && run.hours.map((h) => h.hour.toISOString())).toEqual([new Date(hour).toISOString()]);
        }
      })();
      await Promise.all([
        ...planned.map((checks, w) => recordScheduled(ctx.sql, ctx.recorder, checks, `race-${w}`)),
        (async () => {
          for (const c of manual) await ctx.recorder.recordManual(c.endpointId, outcomeOf(c), 'api');
        })(),
        compactions,
      ]);
      expect(stored).toBe(total);
    } finally {
      (ctx.hooks.all as unknown[]).splice((ctx.hooks.all as unknown[]).indexOf(slowHook), 1);
    }

    // 10:00-12:00 are not compacted again: their hour and day rows are what the race left.
    expect(await compactedUntil(ctx.sql)).toBe('2026-04-08T13:00:00.000Z');
    await ctx.compaction.runOnce(dueAt('2026-04-08T13:00:00Z'));
    await expectAllTablesToMatchRaw(ctx);
  }, 60_000);
});
