import type { PendingCheck } from '@vigil/checks';
import { startRollupContext, type RollupContext } from '../../../../test/uptime/support/rollup-context';
import {
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
import { bucketOf } from '../histogram/latency-buckets';
import type { RollupInput } from './uptime-rollups.repository';

const UNITS = ['minute', 'hour', 'day'] as const;
const T0 = Date.parse('2026-03-01T22:40:00Z');
/** The watermark every test starts from: all its results land in hours not compacted yet. */
const FIRST_HOUR = '2026-03-01T00:00:00Z';
/** A clock by which every hour of the suite's data has ended, grace included. */
const LATER = new Date('2026-03-06T00:00:00Z');

/** Checks spread over ~50 hours from T0 (so minutes, hours and two midnights are crossed), one per endpoint per round. */
function plannedChecks(endpoints: Array<{ id: string }>, rounds: number, seed: number): PlannedCheck[] {
  const rnd = random(seed);
  const checks: PlannedCheck[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const e of endpoints) {
      checks.push({
        endpointId: e.id,
        checkedAt: new Date(T0 + Math.floor(rnd() * 50 * 3_600_000)),
        success: rnd() < 0.8,
        responseTimeMs: latency(rnd),
        attempts: rnd() < 0.15 ? 2 + Math.floor(rnd() * 2) : 1,
      });
    }
  }
  return checks;
}

/** Compacts every hour of the data (through the job's public method), then compares all three tables with GROUP BY over check_results. */
async function expectRollupsToMatchRaw(ctx: RollupContext): Promise<void> {
  await ctx.compaction.runOnce(LATER);
  for (const unit of UNITS) {
    const stored = await rollupRows(ctx.sql, unit);
    expect(stored.length).toBeGreaterThan(0);
    expect({ unit, rows: stored }).toEqual({ unit, rows: await expectedRollupRows(ctx.sql, unit) });
  }
}

describe('uptime rollups (written through CheckRecorder, real PostgreSQL)', () => {
  let ctx: RollupContext;

  beforeAll(async () => {
    ctx = await startRollupContext();
    // Stands in for the maintenance hook: marks results in minutes divisible by 7 before they are stored.
    ctx.hooks.register({
      name: 'test-maintenance-marks',
      async beforeStore(_m, pending: PendingCheck[]) {
        for (const p of pending) p.inMaintenance = Math.floor(p.checkedAt.getTime() / 60_000) % 7 === 0;
      },
    });
  });
  afterAll(() => ctx?.close());
  beforeEach(async () => {
    await ctx.sql('TRUNCATE endpoints, check_results, uptime_minute, uptime_hour, uptime_day CASCADE');
    await setCompactedUntil(ctx.sql, FIRST_HOUR);
  });

  it('folds scheduled batches and manual checks into minute rows, compacted into hour and day rows, all equal to GROUP BY over check_results', async () => {
    const endpoints = await insertEndpoints(ctx.sql, 7);
    const checks = plannedChecks(endpoints, 30, 1);
    expect(await recordScheduled(ctx.sql, ctx.recorder, checks)).toBe(checks.length);
    const rnd = random(2);
    for (let i = 0; i < 25; i++) {
      const c = plannedChecks([endpoints[i % endpoints.length]], 1, 100 + i)[0];
      await ctx.recorder.recordManual(c.endpointId, outcomeOf({ ...c, attempts: rnd() < 0.5 ? 1 : 3 }), 'api');
    }

    await expectRollupsToMatchRaw(ctx);
    const [{ checks: total, maintenance }] = await ctx.sql(`SELECT sum(checks)::int AS checks, sum(maintenance_checks)::int AS maintenance FROM uptime_day`);
    expect(total).toBe(checks.length + 25);
    expect(maintenance).toBeGreaterThan(0);
  });

  it('loses no increment when several workers and manual checks write the same endpoints at once', async () => {
    const endpoints = await insertEndpoints(ctx.sql, 12);
    const workers = [0, 1, 2, 3].map((w) => endpoints.filter((_, i) => i % 4 === w));
    // Every check of the run lands in the same minute, hour and day: every batch updates the same rows.
    const sameMinute = (c: PlannedCheck, i: number): PlannedCheck => ({ ...c, checkedAt: new Date(Date.parse('2026-03-02T10:15:00Z') + (i % 60) * 1000) });
    const scheduled = workers.map((mine, w) => plannedChecks(mine, 15, 10 + w).map(sameMinute));
    const manual = plannedChecks(endpoints, 3, 99).map(sameMinute);
    await Promise.all([
      ...scheduled.map((checks, w) => recordScheduled(ctx.sql, ctx.recorder, checks, `worker-${w}`)),
      ...manual.map((c) => ctx.recorder.recordManual(c.endpointId, outcomeOf(c), 'api')),
    ]);

    const expected = scheduled.flat().length + manual.length;
    await ctx.compaction.runOnce(LATER);
    for (const unit of UNITS) {
      const [{ rows, checks }] = await ctx.sql(`SELECT count(*)::int AS rows, sum(checks)::int AS checks FROM uptime_${unit}`);
      expect({ unit, rows, checks }).toEqual({ unit, rows: endpoints.length, checks: expected });
    }
    await expectRollupsToMatchRaw(ctx);
  });

  it.each([
    ['fresh results: minute rows, then compacted', FIRST_HOUR],
    ["late results: their hour's minute, hour and day rows at once", '2026-03-04T00:00:00Z'],
  ])('lets concurrent folds of the same rows, fed in opposite orders, neither deadlock nor lose increments (%s)', async (_, watermark) => {
    await setCompactedUntil(ctx.sql, watermark);
    const endpoints = await insertEndpoints(ctx.sql, 10);
    const at = new Date('2026-03-03T08:00:30Z');
    const batch = (reverse: boolean): RollupInput[] =>
      (reverse ? [...endpoints].reverse() : endpoints).map((e) => ({
        endpointId: e.id,
        checkedAt: at,
        success: true,
        responseTimeMs: 40,
        attempts: 1,
        inMaintenance: false,
      }));
    // Each transaction holds its row locks a while, so the eight overlap.
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        ctx.dataSource.transaction(async (m) => {
          await ctx.rollups.fold(m, batch(i % 2 === 1));
          await m.query('SELECT pg_sleep(0.05)');
        }),
      ),
    );
    await ctx.compaction.runOnce(LATER);
    for (const unit of UNITS) {
      const rows: Array<{ checks: number; rt_hist: string }> = await ctx.sql(`SELECT checks, rt_hist::text FROM uptime_${unit}`);
      expect(rows).toHaveLength(10);
      for (const r of rows) expect(r).toEqual({ checks: 8, rt_hist: `8${'0'.repeat(9 * bucketOf(40))}` });
    }
  });

  it('commits or rolls back with the batch: a batch whose transaction fails leaves the rollups untouched', async () => {
    const [endpoint] = await insertEndpoints(ctx.sql, 1);
    const failing = {
      name: 'test-failing-hook',
      async afterStore() {
        throw new Error('a later hook failed');
      },
    };
    ctx.hooks.register(failing);
    try {
      await expect(recordScheduled(ctx.sql, ctx.recorder, plannedChecks([endpoint], 1, 5))).rejects.toThrow('a later hook failed');
    } finally {
      (ctx.hooks.all as unknown[]).splice((ctx.hooks.all as unknown[]).indexOf(failing), 1);
    }
    const [{ n }] = await ctx.sql(`SELECT (SELECT count(*) FROM uptime_minute) + (SELECT count(*) FROM uptime_hour) + (SELECT count(*) FROM uptime_day) AS n`);
    expect(Number(n)).toBe(0);
    expect(await recordScheduled(ctx.sql, ctx.recorder, plannedChecks([endpoint], 2, 6))).toBe(2);
    await expectRollupsToMatchRaw(ctx);
  });

  it('drops the rollup rows of a deleted endpoint with it', async () => {
    const [keep, drop] = await insertEndpoints(ctx.sql, 2);
    await recordScheduled(ctx.sql, ctx.recorder, plannedChecks([keep, drop], 3, 7));
    await ctx.compaction.runOnce(LATER);
    for (const unit of UNITS) expect((await ctx.sql(`SELECT DISTINCT endpoint_id FROM uptime_${unit}`)).length).toBe(2);
    await ctx.endpoints.remove(drop.id);
    for (const unit of UNITS) {
      const ids: Array<{ endpoint_id: string }> = await ctx.sql(`SELECT DISTINCT endpoint_id FROM uptime_${unit}`);
      expect(ids).toEqual([{ endpoint_id: keep.id }]);
    }
  });
});
