import { ADMIN_KEY, expectEnvelope, expectError } from '../support/test-app';
import { as, IncidentWorld } from './incident-world';

const DAY = 86_400_000;

/** The previous UTC month: its `YYYY-MM`, first instant and length. */
function previousMonth(now = new Date()): { month: string; from: Date; seconds: number } {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return { month: from.toISOString().slice(0, 7), from, seconds: (to.getTime() - from.getTime()) / 1000 };
}

describe('SLA reports (from the uptime rollups)', () => {
  const world = new IncidentWorld();
  const past = previousMonth();
  const day = (n: number, hours = 0) => new Date(past.from.getTime() + (n - 1) * DAY + hours * 3_600_000);
  let e1: { id: string; name: string };
  let e2: { id: string; name: string };

  /** A day bucket and its first hour bucket, as the rollup hook would have written them. */
  async function rollup(
    endpointId: string,
    at: Date,
    c: { checks: number; successes: number; retried?: number; maintenance?: number; maintenanceOk?: number },
  ) {
    for (const unit of ['day', 'hour']) {
      await world.query(
        `INSERT INTO uptime_${unit} (endpoint_id, bucket_start, checks, successes, retried_successes, maintenance_checks, maintenance_successes, rt_sum)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0)`,
        [endpointId, at, c.checks, c.successes, c.retried ?? 0, c.maintenance ?? 0, c.maintenanceOk ?? 0],
      );
    }
  }
  async function incident(endpointId: string, startedAt: Date, resolvedAt: Date | null): Promise<void> {
    await world.query(
      `INSERT INTO incidents (endpoint_id, endpoint_name, started_at, resolved_at, resolution, first_failure_at, failed_checks, last_failure_at)
       VALUES ($1, 'seeded', $2, $3, $4, $2, 3, $2)`,
      [endpointId, startedAt, resolvedAt, resolvedAt ? 'recovered' : null],
    );
  }
  const sla = (path: string, query: Record<string, string>, key = world.viewer) => world.api.get(path).query(query).set(as(key));

  beforeAll(async () => {
    await world.start();
    // No real checks on these two: their figures are exactly the rows seeded here.
    e1 = await world.endpoint('/status/200/sla-1', { tags: ['sla-team'], is_active: false });
    e2 = await world.endpoint('/status/200/sla-2', { tags: ['sla-team', 'other'], is_active: false });
    // e1: 1000 checks, 100 in maintenance (95 good): 900 counted, 895 good (40 after retries), 5 failed.
    await rollup(e1.id, day(1), { checks: 600, successes: 597, retried: 40, maintenance: 100, maintenanceOk: 95 });
    await rollup(e1.id, day(2), { checks: 400, successes: 393 });
    // e2: checked from day 5 only, never failed.
    await rollup(e2.id, day(5), { checks: 100, successes: 100 });
    // The month before the previous one must not count.
    await rollup(e1.id, new Date(past.from.getTime() - DAY), { checks: 50, successes: 0 });
    // One incident inside the month (1 h), one that began the month before (30 min inside), one long before.
    await incident(e1.id, day(10), day(10, 1));
    await incident(e1.id, new Date(past.from.getTime() - 3_600_000), new Date(past.from.getTime() + 1_800_000));
    await incident(e1.id, new Date(past.from.getTime() - 40 * DAY), new Date(past.from.getTime() - 39 * DAY));
  });
  afterAll(() => world.stop());

  it("reports an endpoint's month: uptime without maintenance, the error budget, incidents, and the policy", async () => {
    const res = await sla(`/api/v2/endpoints/${e1.id}/sla`, { month: past.month, target: '99.9' });
    expect(res.status).toBe(200);
    const r = expectEnvelope(res.body, '2');
    const until = new Date(past.from.getTime() + past.seconds * 1000).toISOString();
    expect(r).toMatchObject({
      endpoint_id: e1.id,
      endpoint_name: e1.name,
      target_pct: 99.9,
      period: { month: past.month, from: past.from.toISOString(), to: until, until, complete: true, month_seconds: past.seconds },
      checks: { total: 1000, in_maintenance: 100, counted: 900, good: 895, failed: 5, succeeded_after_retries: 40 },
      achieved_uptime_pct: 99.444444,
      met: false,
      observed_from: past.from.toISOString(),
      observed_seconds: past.seconds,
    });
    const allowed = 0.001 * past.seconds;
    const used = (5 / 900) * past.seconds;
    expect(r.error_budget.allowed_downtime_s).toBeCloseTo(allowed, 3);
    expect(r.error_budget.allowed_downtime_min).toBeCloseTo(allowed / 60, 3);
    expect(r.error_budget.used_downtime_s).toBeCloseTo(used, 3);
    expect(r.error_budget.used_downtime_min).toBeCloseTo(used / 60, 3);
    expect(r.error_budget.remaining_downtime_s).toBeCloseTo(allowed - used, 2);
    expect(r.incidents).toMatchObject({ count: 2, open: 0, duration_s: 5400, items_truncated: false });
    expect(r.incidents.items.map((i: any) => i.started_at)).toEqual([day(10).toISOString(), new Date(past.from.getTime() - 3_600_000).toISOString()]);
    expect(r.policy).toMatchObject({ basis: 'checks', maintenance: expect.stringContaining('excluded'), degraded: expect.stringContaining('up') });
    expect(r.policy.aggregation).toBeUndefined();
  });

  it('meets a lower target with budget left, and observes an endpoint only from its first checked hour', async () => {
    const r1 = expectEnvelope((await sla(`/api/v2/endpoints/${e1.id}/sla`, { month: past.month, target: '99' })).body, '2');
    expect(r1.met).toBe(true);
    expect(r1.error_budget.remaining_pct).toBeCloseTo(((0.01 - 5 / 900) / 0.01) * 100, 2);
    const r2 = expectEnvelope((await sla(`/api/v2/endpoints/${e2.id}/sla`, { month: past.month })).body, '2');
    expect(r2).toMatchObject({ target_pct: 99.9, achieved_uptime_pct: 100, met: true, observed_from: day(5).toISOString() });
    expect(r2.observed_seconds).toBe(past.seconds - 4 * 86_400);
    expect(r2.error_budget.used_downtime_s).toBe(0);
    expect(r2.incidents.count).toBe(0);
  });

  it('reports a tag as the mean of its endpoints, listing each one, lowest uptime first', async () => {
    const res = await sla('/api/v2/tags/SLA-Team/sla', { month: past.month, target: '99.5' });
    expect(res.status).toBe(200);
    const r = expectEnvelope(res.body, '2');
    expect(r).toMatchObject({ tag: 'sla-team', target_pct: 99.5, achieved_uptime_pct: 99.722222, met: true });
    expect(r.checks).toMatchObject({ total: 1100, counted: 1000, failed: 5 });
    expect(r.endpoints.map((e: any) => [e.endpoint_id, e.achieved_uptime_pct])).toEqual([
      [e1.id, 99.444444],
      [e2.id, 100],
    ]);
    expect(r.error_budget.used_downtime_s).toBeCloseTo(((5 / 900) * past.seconds) / 2, 2);
    expect(r.incidents.count).toBe(2);
    expect(r.policy.aggregation).toContain('mean');
    expect(expectEnvelope((await sla('/api/v2/tags/other/sla', { month: past.month })).body, '2').endpoints).toHaveLength(1);
  });

  it('counts the current month up to now, with its open incident', async () => {
    const now = new Date();
    const month = now.toISOString().slice(0, 7);
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const seeded = await world.endpoint('/status/200/sla-now', { is_active: false });
    await rollup(seeded.id, monthStart, { checks: 200, successes: 198 });
    const r = expectEnvelope((await sla(`/api/v2/endpoints/${seeded.id}/sla`, { month })).body, '2');
    expect(r.period.complete).toBe(false);
    expect(Date.parse(r.period.until)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(r.period.until)).toBeGreaterThanOrEqual(now.getTime());
    const observed = (Date.parse(r.period.until) - monthStart.getTime()) / 1000;
    expect(r.observed_seconds).toBeCloseTo(observed, 3);
    expect(r.error_budget.used_downtime_s).toBeCloseTo(0.01 * observed, 2);
    expect(r.checks).toMatchObject({ counted: 200, failed: 2 });

    // A real outage now: an open incident in this month's report.
    const down = await world.endpoint('/status/500/sla-down');
    await world.checks(down.id, 3);
    const report = expectEnvelope((await sla(`/api/v2/endpoints/${down.id}/sla`, { month })).body, '2');
    expect(report.incidents).toMatchObject({ count: 1, open: 1 });
    expect(report.incidents.items[0]).toMatchObject({ endpoint_id: down.id, status: 'open' });
  });

  it('counts real checks folded by the rollups, leaving out those marked in a maintenance window', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const e = await world.endpoint('/status/200/sla-real');
    await world.checks(e.id, 2);
    await world.setPath(e.id, '/status/503/sla-real');
    const window = await world.api
      .post('/api/v1/maintenance-windows')
      .set(as(world.operator))
      .send({
        name: 'sla window',
        endpoint_id: e.id,
        starts_at: new Date(Date.now() - 60_000).toISOString(),
        ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      });
    expect(window.status).toBe(201);
    await world.checks(e.id, 2);
    await world.api.delete(`/api/v1/maintenance-windows/${window.body.data.id}`).set(as(world.operator));
    await world.check(e.id);
    const r = expectEnvelope((await sla(`/api/v2/endpoints/${e.id}/sla`, { month })).body, '2');
    expect(r.checks).toEqual({ total: 5, in_maintenance: 2, counted: 3, good: 2, failed: 1, succeeded_after_retries: 0 });
    expect(r.achieved_uptime_pct).toBe(66.666667);
    expect(r.incidents).toMatchObject({ count: 1, open: 1 });
  });

  it('answers 400 for a bad or future month and a bad target, 422 for bad ids or tags, 404 for unknown ones', async () => {
    const path = `/api/v2/endpoints/${e1.id}/sla`;
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 7);
    const future = expectError(await sla(path, { month: next }), 400, 'VAL_INVALID_QUERY');
    expect(future.details).toEqual([expect.objectContaining({ field: 'month', message: 'month must not be in the future' })]);
    for (const month of ['2026-13', '2026-1', 'last-month', '']) {
      const err = expectError(await sla(path, { month }), 400, 'VAL_INVALID_QUERY');
      expect(err.details[0].field).toBe('month');
    }
    expectError(await sla(path, {}), 400, 'VAL_INVALID_QUERY');
    // 1e-7 and 0.0000001 print in exponent form: class-validator's decimal count threw on them (500).
    for (const target of ['0', '-1', '100.5', 'high', '99.9999999', '1e-7', '0.0000001', '5e-324']) {
      const err = expectError(await sla(path, { month: past.month, target }), 400, 'VAL_INVALID_QUERY');
      expect(err.details[0].field).toBe('target');
    }
    expect((await sla(path, { month: past.month, target: '100' })).status).toBe(200);
    expectError(await sla(path, { month: past.month, granularity: 'day' }), 400, 'VAL_INVALID_QUERY');
    expectError(await sla('/api/v2/endpoints/nope/sla', { month: past.month }), 422, 'VAL_ERROR');
    expectError(await sla('/api/v2/endpoints/00000000-0000-4000-8000-000000000000/sla', { month: past.month }), 404, 'RES_NOT_FOUND');
    expectError(await sla('/api/v2/tags/no-such-tag/sla', { month: past.month }), 404, 'RES_NOT_FOUND');
    expectError(await sla('/api/v2/tags/Bad%20Tag!/sla', { month: past.month }), 422, 'VAL_ERROR');
    expectError(await world.api.get(`/api/v2/endpoints/${e1.id}/sla`).query({ month: past.month }), 401, 'AUTH_MISSING_API_KEY');
    expect((await sla(path, { month: past.month }, ADMIN_KEY)).status).toBe(200);
  });
});
