import type { PendingCheck } from '@vigil/checks';
import { startRollupContext, type RollupContext } from '../../../../test/uptime/support/rollup-context';
import { insertEndpoints, latency, type PlannedCheck, random, recordScheduled, setCompactedUntil } from '../../../../test/uptime/support/uptime-fixtures';
import { SlaRepository } from './sla.repository';

const MARCH = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') };
/** Compaction has caught up to here: day rows before 03-04, hour rows of 03-04 up to 10:00, minute rows after. */
const COMPACTED_UNTIL = '2026-03-04T10:00:00Z';

describe('SLA month totals across the compaction watermark (real PostgreSQL, results written through CheckRecorder)', () => {
  let ctx: RollupContext;
  let sla: SlaRepository;
  let early: { id: string };
  let late: { id: string };

  /** What the month totals must be, from check_results. */
  async function rawTotals(endpointId: string, from: Date, to: Date) {
    const [r] = await ctx.sql(
      `SELECT count(*)::int AS checks, count(*) FILTER (WHERE success)::int AS successes,
              count(*) FILTER (WHERE success AND attempts > 1)::int AS "retriedSuccesses",
              count(*) FILTER (WHERE in_maintenance)::int AS "maintenanceChecks",
              count(*) FILTER (WHERE in_maintenance AND success)::int AS "maintenanceSuccesses",
              date_trunc('hour', min(checked_at), 'UTC') AS "firstCheckBucket"
       FROM check_results WHERE endpoint_id = $1 AND checked_at >= $2 AND checked_at < $3`,
      [endpointId, from, to],
    );
    return r;
  }

  beforeAll(async () => {
    ctx = await startRollupContext();
    sla = new SlaRepository(ctx.dataSource);
    ctx.hooks.register({
      name: 'test-maintenance-marks',
      async beforeStore(_m, pending: PendingCheck[]) {
        for (const p of pending) p.inMaintenance = Math.floor(p.checkedAt.getTime() / 60_000) % 7 === 0;
      },
    });
    await setCompactedUntil(ctx.sql, MARCH.from);
    [early, late] = await insertEndpoints(ctx.sql, 2);
    const rnd = random(41);
    const checks: PlannedCheck[] = [];
    const spread = (endpointId: string, from: string, hours: number, n: number) => {
      for (let i = 0; i < n; i++) {
        checks.push({
          endpointId,
          checkedAt: new Date(Date.parse(from) + Math.floor(rnd() * hours * 3_600_000)),
          success: rnd() < 0.9,
          responseTimeMs: latency(rnd),
          attempts: rnd() < 0.1 ? 2 : 1,
        });
      }
    };
    spread(early.id, '2026-03-01T00:00:00Z', 24 * 5, 400);
    // First checked after the watermark: only minute rows hold it.
    spread(late.id, '2026-03-04T17:00:00Z', 20, 60);
    // February, late (before the watermark): its hour and day rows at once; not part of March.
    checks.push({ endpointId: early.id, checkedAt: new Date('2026-02-28T23:59:30Z'), success: false, responseTimeMs: 10 });
    await recordScheduled(ctx.sql, ctx.recorder, checks);
    await ctx.compaction.runOnce(new Date(Date.parse(COMPACTED_UNTIL) + ctx.config.uptime.compactionGraceS * 1000));
  }, 60_000);
  afterAll(() => ctx?.close());

  it('counts the checks of every hour of the month, compacted or not yet, and finds the first checked hour', async () => {
    const totals = await sla.monthTotals([early.id, late.id], MARCH.from, MARCH.to);
    for (const e of [early, late]) {
      const raw = await rawTotals(e.id, MARCH.from, MARCH.to);
      expect(totals.get(e.id)).toEqual(raw);
    }
    expect(totals.get(late.id)!.firstCheckBucket!.getTime()).toBeGreaterThanOrEqual(Date.parse(COMPACTED_UNTIL));
  });

  it('reads a month that ended before the watermark from its day rows', async () => {
    const feb = { from: new Date('2026-02-01T00:00:00Z'), to: MARCH.from };
    expect((await sla.monthTotals([early.id], feb.from, feb.to)).get(early.id)).toEqual(await rawTotals(early.id, feb.from, feb.to));
  });

  it('gives the same totals once compaction has caught up', async () => {
    const before = await sla.monthTotals([early.id, late.id], MARCH.from, MARCH.to);
    await ctx.compaction.runOnce(new Date('2026-03-10T00:00:00Z'));
    expect(await sla.monthTotals([early.id, late.id], MARCH.from, MARCH.to)).toEqual(before);
  });
});
