import { startRollupContext, type RollupContext } from '../../../../test/uptime/support/rollup-context';
import {
  exactPercentile,
  insertEndpoints,
  latency,
  type PlannedCheck,
  random,
  rawWindow,
  recordScheduled,
  setCompactedUntil,
} from '../../../../test/uptime/support/uptime-fixtures';
import { RELATIVE_ERROR } from '../histogram/latency-buckets';
import type { UptimeAggregate } from './uptime-aggregate';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const SPAN_MS = 3 * 86_400_000;
const NOW = Date.parse('2026-03-10T00:00:00Z');
/** Where the suite leaves the compaction watermark: hour and day rows before it, minute rows only after it. */
const COMPACTED_UNTIL = '2026-03-02T13:00:00.000Z';
const minute = (ms: number) => Math.floor(ms / 60_000) * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Counts exact, min/max/avg exact, percentiles within the stated bound of the exact nearest-rank ones. */
async function expectWindowToMatchRaw(ctx: RollupContext, label: string, from: number, to: number, endpointId: string, a: UptimeAggregate): Promise<void> {
  const raw = await rawWindow(ctx.sql, new Date(from), new Date(to), endpointId);
  expect({ label, checks: a.checks, successes: a.successes, histogram: a.histogram.total }).toEqual({
    label,
    checks: raw.checks,
    successes: raw.successes,
    histogram: raw.successes,
  });
  const stats = a.responseTime();
  expect({ label, min: stats.min, max: stats.max }).toEqual({
    label,
    min: raw.latencies.length ? Math.min(...raw.latencies) : null,
    max: raw.latencies.length ? Math.max(...raw.latencies) : null,
  });
  if (raw.latencies.length) expect(stats.avg).toBeCloseTo(raw.latencies.reduce((x, y) => x + y, 0) / raw.latencies.length, 2);
  for (const p of [50, 95, 99] as const) {
    const exact = exactPercentile(raw.latencies, p);
    const got = stats[`p${p}`];
    const within = exact === null ? got === null : got !== null && Math.abs(got - exact) <= RELATIVE_ERROR * exact + 0.005;
    expect({ label, p, exact, got, within }).toEqual({ label, p, exact, got, within: true });
  }
}

describe('uptime queries over the rollups (real PostgreSQL, data written through CheckRecorder)', () => {
  let ctx: RollupContext;
  let endpoints: Array<{ id: string; name: string }>;

  beforeAll(async () => {
    ctx = await startRollupContext();
    await setCompactedUntil(ctx.sql, new Date(T0));
    endpoints = await insertEndpoints(ctx.sql, 4, ['query-suite']);
    // ~2 checks a minute per endpoint at random instants over three days, some hours much slower, some failing.
    const rnd = random(11);
    const checks: PlannedCheck[] = [];
    for (const [i, e] of endpoints.entries()) {
      for (let n = 0; n < 700; n++) {
        const at = T0 + Math.floor(rnd() * SPAN_MS);
        const slowHour = new Date(at).getUTCHours() % 5 === i;
        checks.push({ endpointId: e.id, checkedAt: new Date(at), success: rnd() > 0.1, responseTimeMs: latency(rnd, slowHour ? 900 : 60 + 40 * i) });
      }
    }
    await recordScheduled(ctx.sql, ctx.recorder, checks);
    // Compaction caught up to the middle of the data: every window below reads across the watermark or beside it.
    await ctx.compaction.runOnce(new Date(Date.parse(COMPACTED_UNTIL) + ctx.config.uptime.compactionGraceS * 1000));
    const [{ until }] = await ctx.sql('SELECT compacted_until AS until FROM uptime_compaction');
    expect(new Date(until).toISOString()).toBe(COMPACTED_UNTIL);
  }, 120_000);
  afterAll(() => ctx?.close());

  const EDGE_WINDOWS: Array<[string, string, string]> = [
    ['mid-hour to mid-hour on one day', '2026-03-01T10:17:00Z', '2026-03-01T14:43:00Z'],
    ['mid-day across midnight', '2026-03-01T13:31:00Z', '2026-03-02T03:12:00Z'],
    ['one minute before midnight to one minute after, two days later', '2026-03-01T23:59:00Z', '2026-03-04T00:01:00Z'],
    ['exactly one UTC day', '2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z'],
    ['one minute', '2026-03-02T17:45:00Z', '2026-03-02T17:46:00Z'],
    ['inside one hour', '2026-03-03T05:05:00Z', '2026-03-03T05:55:00Z'],
    ['before any data to after all of it', '2026-02-27T08:08:00Z', '2026-03-05T16:16:00Z'],
    ['whole days across the watermark', '2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z'],
    ['from the watermark on', '2026-03-02T13:00:00Z', '2026-03-03T13:00:00Z'],
    ['up to the watermark', '2026-03-01T07:00:00Z', '2026-03-02T13:00:00Z'],
  ];

  it.each(EDGE_WINDOWS)('answers %s exactly in counts and within the bound in percentiles', async (label, from, to) => {
    const window = { from: new Date(from), to: new Date(to) };
    for (const e of endpoints)
      await expectWindowToMatchRaw(ctx, label, window.from.getTime(), window.to.getTime(), e.id, await ctx.queries.endpointTotal(e.id, window));
    const all = await ctx.queries.perEndpoint(window);
    expect(all.map((r) => r.id).sort()).toEqual(endpoints.map((e) => e.id).sort());
    for (const r of all) await expectWindowToMatchRaw(ctx, `${label} (all endpoints)`, window.from.getTime(), window.to.getTime(), r.id, r.aggregate);
  });

  it('answers 40 random minute-aligned windows exactly', async () => {
    const rnd = random(12);
    for (let i = 0; i < 40; i++) {
      const from = minute(T0 - 3_600_000 + rnd() * (SPAN_MS + 2 * 3_600_000));
      const to = minute(from + 60_000 + rnd() * 2 * 86_400_000);
      const e = endpoints[i % endpoints.length];
      await expectWindowToMatchRaw(
        ctx,
        `${iso(from)} → ${iso(to)}`,
        from,
        to,
        e.id,
        await ctx.queries.endpointTotal(e.id, { from: new Date(from), to: new Date(to) }),
      );
    }
  });

  it.each(['minute', 'hour', 'day'] as const)(
    'splits a window with ragged edges into %s buckets that each match the raw checks of [start, end)',
    async (granularity) => {
      const e = endpoints[1];
      const query =
        granularity === 'minute' ? { from: '2026-03-01T23:40:20Z', to: '2026-03-02T00:25:59Z' } : { from: '2026-03-01T13:31:20Z', to: '2026-03-03T03:12:40Z' };
      const series = await ctx.uptime.series(e.id, { ...query, granularity }, NOW);
      // Instants are truncated to the minute, and the edge buckets cover only the window's part of their unit.
      expect(series.from).toBe(iso(minute(Date.parse(query.from))));
      expect(series.to).toBe(iso(minute(Date.parse(query.to))));
      expect(series.buckets[0].start).toBe(series.from);
      expect(series.buckets[series.buckets.length - 1].end).toBe(series.to);
      for (let i = 1; i < series.buckets.length; i++) expect(series.buckets[i].start).toBe(series.buckets[i - 1].end);
      let checks = 0;
      for (const b of series.buckets) {
        const raw = await rawWindow(ctx.sql, new Date(b.start), new Date(b.end), e.id);
        expect({ start: b.start, checks: b.checks, successes: b.successes }).toEqual({ start: b.start, checks: raw.checks, successes: raw.successes });
        checks += b.checks;
      }
      const raw = await rawWindow(ctx.sql, new Date(series.from), new Date(series.to), e.id);
      expect(checks).toBe(raw.checks);
      expect(series.total).toMatchObject({ checks: raw.checks, successes: raw.successes, failures: raw.checks - raw.successes });
      expect(series.total.uptime).toBeCloseTo((100 * raw.successes) / raw.checks, 4);
      const p99 = exactPercentile(raw.latencies, 99)!;
      expect(Math.abs(series.total.response_time.p99! - p99)).toBeLessThanOrEqual(RELATIVE_ERROR * p99 + 0.005);
    },
  );

  it('reads hour and day rows only before the watermark: a stale hour row after it (as folded live before an upgrade) is never read', async () => {
    const e = endpoints[2];
    const stale = '2026-03-03T05:00:00Z';
    await ctx.sql(
      `INSERT INTO uptime_hour (endpoint_id, bucket_start, checks, successes, retried_successes, maintenance_checks, maintenance_successes, rt_sum)
       VALUES ($1, $2, 1000, 1000, 0, 0, 0, 0)
       ON CONFLICT (endpoint_id, bucket_start) DO UPDATE SET checks = 1000, successes = 1000`,
      [e.id, new Date(stale)],
    );
    try {
      for (const [from, to] of [
        ['2026-03-03T00:00:00Z', '2026-03-04T00:00:00Z'],
        ['2026-03-02T00:00:00Z', '2026-03-04T00:00:00Z'],
        ['2026-03-03T04:10:00Z', '2026-03-03T06:20:00Z'],
      ]) {
        const window = { from: new Date(from), to: new Date(to) };
        await expectWindowToMatchRaw(ctx, `${from} → ${to}`, window.from.getTime(), window.to.getTime(), e.id, await ctx.queries.endpointTotal(e.id, window));
        const series = await ctx.uptime.series(e.id, { from, to, granularity: 'hour' }, NOW);
        const raw = await rawWindow(ctx.sql, window.from, window.to, e.id);
        expect(series.total.checks).toBe(raw.checks);
      }
    } finally {
      await ctx.sql('DELETE FROM uptime_hour WHERE endpoint_id = $1 AND bucket_start = $2', [e.id, new Date(stale)]);
    }
  });

  it('gives the same exact answers once compaction has caught up with all the data', async () => {
    const windows = EDGE_WINDOWS.map(([, from, to]) => ({ from: new Date(from), to: new Date(to) }));
    const before = await Promise.all(windows.map((w) => ctx.queries.perEndpoint(w)));
    await ctx.compaction.runOnce(new Date(NOW));
    const [{ hours }] = await ctx.sql(`SELECT count(DISTINCT bucket_start)::int AS hours FROM uptime_hour`);
    expect(hours).toBeGreaterThanOrEqual(72);
    const after = await Promise.all(windows.map((w) => ctx.queries.perEndpoint(w)));
    const figures = (rows: typeof before) => rows.map((all) => all.map((r) => ({ id: r.id, checks: r.aggregate.checks, rt: r.aggregate.responseTime() })));
    expect(figures(after)).toEqual(figures(before));
  });

  it('reports empty windows and endpoints without data as zeros with null uptime and latencies', async () => {
    const window = { from: new Date('2026-03-07T00:00:00Z'), to: new Date('2026-03-08T00:00:00Z') };
    const total = await ctx.queries.endpointTotal(endpoints[0].id, window);
    expect({ checks: total.checks, uptime: total.uptime, rt: total.responseTime() }).toEqual({
      checks: 0,
      uptime: null,
      rt: { min: null, avg: null, max: null, p50: null, p95: null, p99: null },
    });
    const [extra] = await insertEndpoints(ctx.sql, 1, ['other']);
    const rows = await ctx.queries.perEndpoint({ from: new Date(T0), to: new Date(T0 + SPAN_MS) });
    expect(rows.find((r) => r.id === extra.id)?.aggregate.checks).toBe(0);
    const tagged = await ctx.queries.perEndpoint({ from: new Date(T0), to: new Date(T0 + SPAN_MS) }, 'query-suite');
    expect(tagged.map((r) => r.id).sort()).toEqual(endpoints.map((e) => e.id).sort());
    await ctx.sql('DELETE FROM endpoints WHERE id = $1', [extra.id]);
  });
});
