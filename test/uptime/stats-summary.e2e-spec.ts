import { RELATIVE_ERROR } from '@vigil/uptime';
import { ADMIN_KEY, expectEnvelope } from '../support/test-app';
import { exactPercentile, latency, type PlannedCheck, random, rawWindow } from './support/uptime-fixtures';
import { startUptimeStack, type UptimeStack } from './support/uptime-stack';

const HOUR = 3_600_000;

describe('GET /api/v1/stats/summary', () => {
  let u: UptimeStack;
  let viewer: string;
  const summary = () => u.stack.api.http.get('/api/v1/stats/summary').set('X-API-Key', viewer);

  beforeAll(async () => {
    u = await startUptimeStack();
    viewer = (await u.stack.createKey('viewer')).key;
  });
  afterAll(() => u?.close());

  it('answers zeros and nulls on an empty database', async () => {
    const res = await summary();
    expect(res.status).toBe(200);
    const data = expectEnvelope(res.body, '1');
    expect(data).toEqual({
      endpoints: { total: 0, up: 0, down: 0, degraded: 0, paused: 0, pending: 0 },
      from: expect.any(String),
      to: expect.any(String),
      overall_uptime_24h: null,
      checks_24h: 0,
      open_incidents: 0,
      slowest_endpoints: [],
    });
    expect(Date.parse(data.to) - Date.parse(data.from)).toBe(24 * HOUR);
  });

  it('counts endpoints by status, the last 24 hours of checks of all endpoints, open incidents and the slowest endpoints by p95', async () => {
    const now = Date.now();
    const fast = await u.createEndpoint();
    const slow = await u.createEndpoint();
    const failing = await u.createEndpoint();
    const paused = await u.createEndpoint();
    await u.createEndpoint();
    expect((await u.stack.api.http.post(`/api/v1/endpoints/${paused.id}/pause`).set('X-API-Key', ADMIN_KEY)).status).toBe(200);
    const rnd = random(31);
    const checks: PlannedCheck[] = [];
    // Every 5 minutes for 30 hours (the first 6 outside the window), in time order; the failing endpoint fails from 2 hours ago on.
    for (let t = now - 30 * HOUR; t < now - 60_000; t += 5 * 60_000) {
      checks.push({ endpointId: fast.id, checkedAt: new Date(t), success: true, responseTimeMs: latency(rnd, 30) });
      checks.push({ endpointId: slow.id, checkedAt: new Date(t + 1000), success: rnd() > 0.05, responseTimeMs: latency(rnd, 1500) });
      checks.push({ endpointId: failing.id, checkedAt: new Date(t + 2000), success: t < now - 2 * HOUR, responseTimeMs: latency(rnd, 200) });
    }
    await u.record(checks);

    const data = expectEnvelope((await summary()).body, '1');
    const statuses: Array<{ status: string; n: number }> = await u.sql(`SELECT status, count(*)::int AS n FROM endpoints GROUP BY status`);
    const byStatus = Object.fromEntries(statuses.map((s) => [s.status, s.n]));
    expect(data.endpoints).toEqual({ total: 5, up: byStatus.up ?? 0, down: 1, degraded: byStatus.degraded ?? 0, paused: 1, pending: 1 });

    const raw = await rawWindow(u.sql, new Date(data.from), new Date(data.to));
    expect(raw.checks).toBeLessThan(checks.length);
    expect(data.checks_24h).toBe(raw.checks);
    expect(data.overall_uptime_24h).toBeCloseTo((100 * raw.successes) / raw.checks, 4);

    const [{ n: open }] = await u.sql(`SELECT count(*)::int AS n FROM incidents WHERE resolved_at IS NULL`);
    expect(open).toBeGreaterThanOrEqual(1);
    expect(data.open_incidents).toBe(open);

    expect(data.slowest_endpoints.map((s: { endpoint_id: string }) => s.endpoint_id)).toEqual([slow.id, failing.id, fast.id]);
    for (const s of data.slowest_endpoints) {
      const mine = await rawWindow(u.sql, new Date(data.from), new Date(data.to), s.endpoint_id);
      const p95 = exactPercentile(mine.latencies, 95)!;
      expect(s.successes).toBe(mine.successes);
      expect(Math.abs(s.p95 - p95)).toBeLessThanOrEqual(RELATIVE_ERROR * p95 + 0.005);
    }
  });
});
