import { RELATIVE_ERROR } from '@vigil/uptime';
import { TargetServer } from '../support/target-server';
import { ADMIN_KEY, expectEnvelope, expectError } from '../support/test-app';
import { exactPercentile, latency, type PlannedCheck, random, rawWindow } from './support/uptime-fixtures';
import { startUptimeStack, type UptimeStack } from './support/uptime-stack';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('uptime routes (v1 stats, v2 uptime) on the real app, data written through CheckRecorder', () => {
  let u: UptimeStack;
  let viewer: string;
  const target = new TargetServer();
  const now = Date.now();
  /** Endpoints a, b and c hold checks (c is slow and flaky); idle holds none. */
  const e: Record<'a' | 'b' | 'c' | 'idle', { id: string; name: string }> = {} as never;

  const get = (path: string, key = viewer) => u.stack.api.http.get(path).set('X-API-Key', key);

  beforeAll(async () => {
    await target.start();
    u = await startUptimeStack({ UPTIME_MAX_WINDOW_DAYS: '90', VIGIL_TARGET_ALLOWLIST: '127.0.0.0/8' });
    viewer = (await u.stack.createKey('viewer')).key;
    e.a = await u.createEndpoint({ tags: ['team-a'] });
    e.b = await u.createEndpoint({ tags: ['team-a'] });
    e.c = await u.createEndpoint({ tags: ['team-b'] });
    e.idle = await u.createEndpoint({ tags: ['team-b'] });
    // One check every ~10 minutes for 40 days back from now, per endpoint, with different health and speed.
    const rnd = random(21);
    const checks: PlannedCheck[] = [];
    for (let t = now - 40 * DAY; t < now - 60_000; t += 10 * 60_000) {
      const at = (jitter: number) => new Date(t + Math.floor(jitter * 9 * 60_000));
      checks.push({ endpointId: e.a.id, checkedAt: at(rnd()), success: rnd() > 0.001, responseTimeMs: latency(rnd, 40) });
      checks.push({ endpointId: e.b.id, checkedAt: at(rnd()), success: rnd() > 0.02, responseTimeMs: latency(rnd, 120), attempts: rnd() < 0.1 ? 2 : 1 });
      checks.push({ endpointId: e.c.id, checkedAt: at(rnd()), success: rnd() > 0.2, responseTimeMs: latency(rnd, 700) });
    }
    expect(await u.record(checks)).toBe(checks.length);
  }, 120_000);
  afterAll(async () => {
    await u?.close();
    await target.stop();
  });

  describe('GET /api/v1/stats/uptime/{id}', () => {
    it.each(['24h', '7d', '30d'])('answers the %s period with exact counts and percentiles within the bound, to a viewer', async (period) => {
      const res = await get(`/api/v1/stats/uptime/${e.b.id}?period=${period}`);
      expect(res.status).toBe(200);
      const data = expectEnvelope(res.body, '1');
      expect(Object.keys(data).sort()).toEqual(
        [
          'endpoint_id',
          'endpoint_name',
          'period',
          'from',
          'to',
          'uptime_percentage',
          'total_checks',
          'successful_checks',
          'failed_checks',
          'average_response_time',
          'last_check',
          'response_time',
          'percentile_relative_error',
        ].sort(),
      );
      const raw = await rawWindow(u.sql, new Date(data.from), new Date(data.to), e.b.id);
      expect(Date.parse(data.to) - Date.parse(data.from)).toBe({ '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY }[period]);
      expect(Date.parse(data.to)).toBeGreaterThanOrEqual(now);
      expect(data).toMatchObject({
        endpoint_id: e.b.id,
        endpoint_name: e.b.name,
        period,
        total_checks: raw.checks,
        successful_checks: raw.successes,
        failed_checks: raw.checks - raw.successes,
        percentile_relative_error: RELATIVE_ERROR,
        last_check: expect.any(String),
      });
      expect(raw.checks).toBeGreaterThan(100);
      expect(data.uptime_percentage).toBeCloseTo((100 * raw.successes) / raw.checks, 4);
      expect(data.average_response_time).toBeCloseTo(raw.latencies.reduce((s, v) => s + v, 0) / raw.successes, 2);
      expect(data.response_time.min).toBe(Math.min(...raw.latencies));
      expect(data.response_time.max).toBe(Math.max(...raw.latencies));
      for (const p of [50, 95, 99]) {
        const exact = exactPercentile(raw.latencies, p)!;
        expect(Math.abs(data.response_time[`p${p}`] - exact)).toBeLessThanOrEqual(RELATIVE_ERROR * exact + 0.005);
      }
    });

    it('defaults to 24h and answers nulls for an endpoint without checks', async () => {
      const data = expectEnvelope((await get(`/api/v1/stats/uptime/${e.idle.id}`)).body);
      expect(data).toMatchObject({
        period: '24h',
        uptime_percentage: null,
        total_checks: 0,
        successful_checks: 0,
        failed_checks: 0,
        average_response_time: null,
        last_check: null,
        response_time: { min: null, avg: null, max: null, p50: null, p95: null, p99: null },
      });
    });

    it('answers 400 for an unknown period, 422 for an id that is not a UUID, 404 for an unknown endpoint', async () => {
      expect(expectError(await get(`/api/v1/stats/uptime/${e.a.id}?period=1y`), 400, 'VAL_INVALID_QUERY').details[0]).toMatchObject({ field: 'period' });
      expectError(await get(`/api/v1/stats/uptime/${e.a.id}?period=24h&extra=1`), 400, 'VAL_INVALID_QUERY');
      expectError(await get('/api/v1/stats/uptime/not-a-uuid'), 422, 'VAL_ERROR');
      expectError(await get('/api/v1/stats/uptime/00000000-0000-4000-8000-000000000000'), 404, 'RES_NOT_FOUND');
    });
  });

  describe('GET /api/v1/stats/history/{id}', () => {
    it('lists raw checks newest first with offset pagination, filtered by from_date and to_date (a date alone covers its day)', async () => {
      const day = new Date(now - 3 * DAY).toISOString().slice(0, 10);
      const res = await get(`/api/v1/stats/history/${e.a.id}?limit=20&from_date=${day}&to_date=${day}`);
      expect(res.status).toBe(200);
      const data = expectEnvelope(res.body);
      const raw = await rawWindow(u.sql, new Date(`${day}T00:00:00Z`), new Date(Date.parse(`${day}T00:00:00Z`) + DAY), e.a.id);
      expect(res.body.pagination).toMatchObject({ page: 1, per_page: 20, total: raw.checks, has_next: true, has_prev: false });
      expect(res.body.pagination.links.next).toContain('from_date=');
      expect(data).toHaveLength(20);
      for (const r of data) expect(r.checked_at.slice(0, 10)).toBe(day);
      const times = data.map((r: { checked_at: string }) => r.checked_at);
      expect(times).toEqual([...times].sort().reverse());
      expect(data[0]).toMatchObject({ endpoint_id: e.a.id, manual: false, scheduled_for: expect.any(String) });
    });

    it('answers 400 when from_date is after to_date, 404 for an unknown endpoint', async () => {
      expect(
        expectError(await get(`/api/v1/stats/history/${e.a.id}?from_date=2026-02-02&to_date=2026-02-01`), 400, 'VAL_INVALID_QUERY').details[0],
      ).toMatchObject({
        field: 'from_date',
      });
      expectError(await get(`/api/v1/stats/history/${e.a.id}?from_date=yesterday`), 400, 'VAL_INVALID_QUERY');
      // ISO 8601 that JavaScript cannot read was handed to the database (422 "A value was rejected by the database").
      expect(expectError(await get(`/api/v1/stats/history/${e.a.id}?to_date=2026-W09`), 400, 'VAL_INVALID_QUERY').details[0]).toMatchObject({
        field: 'to_date',
      });
      expectError(await get('/api/v1/stats/history/00000000-0000-4000-8000-000000000000'), 404, 'RES_NOT_FOUND');
    });
  });

  describe('GET /api/v2/endpoints/{id}/uptime', () => {
    it('answers every hour bucket of a ragged window, each exact in counts, and the total', async () => {
      const from = new Date(now - 2 * DAY - 17 * 60_000 - 25_000).toISOString();
      const to = new Date(now - DAY + 41 * 60_000).toISOString();
      const res = await get(`/api/v2/endpoints/${e.c.id}/uptime?from=${from}&to=${to}&granularity=hour`);
      expect(res.status).toBe(200);
      const data = expectEnvelope(res.body, '2');
      expect(data.from).toBe(new Date(Math.floor(Date.parse(from) / 60_000) * 60_000).toISOString());
      expect(data.granularity).toBe('hour');
      expect(data.buckets.length).toBeGreaterThanOrEqual(24);
      expect(data.buckets[0].start).toBe(data.from);
      expect(data.buckets.at(-1).end).toBe(data.to);
      for (const b of data.buckets) {
        const raw = await rawWindow(u.sql, new Date(b.start), new Date(b.end), e.c.id);
        expect({ start: b.start, checks: b.checks, successes: b.successes }).toEqual({ start: b.start, checks: raw.checks, successes: raw.successes });
      }
      const raw = await rawWindow(u.sql, new Date(data.from), new Date(data.to), e.c.id);
      expect(data.total).toMatchObject({ checks: raw.checks, successes: raw.successes, failures: raw.checks - raw.successes });
      const p95 = exactPercentile(raw.latencies, 95)!;
      expect(Math.abs(data.total.response_time.p95 - p95)).toBeLessThanOrEqual(RELATIVE_ERROR * p95 + 0.005);
    });

    it('answers day buckets, and counts a check made just now through the real checker', async () => {
      const live = await u.createEndpoint({ url: target.url('/status/200/uptime-live'), interval: 60, timeout: 2 });
      const check = await u.stack.api.http.post(`/api/v1/endpoints/${live.id}/check`).set('X-API-Key', ADMIN_KEY);
      expect(check.status).toBe(200);
      const data = expectEnvelope((await get(`/api/v2/endpoints/${live.id}/uptime?granularity=day`)).body, '2');
      expect(data.total).toMatchObject({ checks: 1, successes: 1, uptime: 100 });
      expect(data.total.response_time.min).toBe(check.body.data.response_time_ms);
      expect(data.buckets.reduce((s: number, b: { checks: number }) => s + b.checks, 0)).toBe(1);
    });

    it.each([
      ['an inverted range', 'from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'from'],
      ['an empty range', 'from=2026-03-02T00:00:00Z&to=2026-03-02T00:00:00Z', 'from'],
      ['less than a whole minute', 'from=2026-03-02T00:00:10Z&to=2026-03-02T00:00:50Z', 'to'],
      ['a window longer than UPTIME_MAX_WINDOW_DAYS (90 here)', 'from=2025-11-01T00:00:00Z&to=2026-02-01T00:00:00Z&granularity=day', 'from'],
      ['too many minute buckets', 'from=2026-03-01T00:00:00Z&to=2026-03-09T00:00:00Z&granularity=minute', 'granularity'],
      ['a window entirely in the future', `from=${new Date(now + DAY).toISOString()}&to=${new Date(now + 2 * DAY).toISOString()}`, 'from'],
      ['an unknown granularity', 'granularity=week', 'granularity'],
      ['a date that is not ISO 8601', 'from=last-tuesday', 'from'],
      // ISO 8601 forms JavaScript cannot read: they passed validation and became Invalid Dates (500).
      ['a week date', 'from=2026-W09', 'from'],
      ['a basic-format date', 'to=20260302', 'to'],
      ['an hour without minutes', 'from=2026-03-01T10', 'from'],
      ['a comma fraction', 'to=2026-03-02T00:00:00,5Z', 'to'],
    ])('answers 400 VAL_INVALID_QUERY for %s', async (_label, query, field) => {
      const err = expectError(await get(`/api/v2/endpoints/${e.a.id}/uptime?${query}`), 400, 'VAL_INVALID_QUERY');
      expect(err.details[0].field).toBe(field);
    });

    it('accepts a window exactly UPTIME_MAX_WINDOW_DAYS long, and answers 404 for an unknown endpoint', async () => {
      const to = new Date(Math.floor(now / DAY) * DAY);
      const from = new Date(to.getTime() - 90 * DAY);
      expect((await get(`/api/v2/endpoints/${e.a.id}/uptime?from=${from.toISOString()}&to=${to.toISOString()}&granularity=day`)).status).toBe(200);
      expectError(await get('/api/v2/endpoints/00000000-0000-4000-8000-000000000000/uptime'), 404, 'RES_NOT_FOUND');
    });
  });

  describe('GET /api/v2/uptime', () => {
    const window = () => `from=${new Date(now - 30 * DAY).toISOString()}&to=${new Date(now).toISOString()}`;

    /** Follows next links to the end, returning every item. */
    async function walk(query: string): Promise<any[]> {
      const items: any[] = [];
      let path: string | null = `/api/v2/uptime?${query}`;
      while (path) {
        const res = await get(path);
        expect(res.status).toBe(200);
        items.push(...expectEnvelope(res.body, '2'));
        expect(res.body.pagination.limit).toBeGreaterThan(0);
        path = res.body.pagination.links.next;
        if (path) expect(path).toMatch(/from=.*to=/);
      }
      return items;
    }

    it('lists every endpoint over the window with exact counts, worst uptime first by default, endpoints without data last', async () => {
      const items = await walk(`${window()}&limit=2`);
      const ids = [e.a, e.b, e.c, e.idle].map((x) => x.id);
      expect(items.map((i) => i.endpoint_id).filter((id) => ids.includes(id))).toEqual([e.c.id, e.b.id, e.a.id, e.idle.id]);
      expect(new Set(items.map((i) => i.endpoint_id)).size).toBe(items.length);
      // The window answered: both instants truncated to the minute.
      const from = new Date(Math.floor((now - 30 * DAY) / 60_000) * 60_000);
      const to = new Date(Math.floor(now / 60_000) * 60_000);
      for (const item of items.filter((i) => ids.includes(i.endpoint_id))) {
        const raw = await rawWindow(u.sql, from, to, item.endpoint_id);
        expect({ id: item.endpoint_id, checks: item.checks, successes: item.successes }).toEqual({
          id: item.endpoint_id,
          checks: raw.checks,
          successes: raw.successes,
        });
        if (raw.successes) {
          const p99 = exactPercentile(raw.latencies, 99)!;
          expect(Math.abs(item.response_time.p99 - p99)).toBeLessThanOrEqual(RELATIVE_ERROR * p99 + 0.005);
        }
      }
      expect(items.find((i) => i.endpoint_id === e.idle.id)).toMatchObject({ checks: 0, uptime: null, response_time: { p99: null } });
    });

    it('sorts by p99 (descending) and by name, and filters by tag', async () => {
      const byP99 = await walk(`${window()}&sort=p99:desc&limit=3`);
      const p99s = byP99.filter((i) => i.response_time.p99 !== null).map((i) => i.response_time.p99);
      expect(p99s).toEqual([...p99s].sort((x, y) => y - x));
      expect(byP99[0].endpoint_id).toBe(e.c.id);
      expect(byP99.at(-1).response_time.p99).toBeNull();
      const byName = await walk(`${window()}&sort=name:asc&limit=1`);
      expect(byName.map((i) => i.name)).toEqual([...byName.map((i) => i.name)].sort());
      const teamA = await walk(`${window()}&tag=team-a`);
      expect(teamA.map((i) => i.endpoint_id).sort()).toEqual([e.a.id, e.b.id].sort());
    });

    it('refuses a tampered cursor, a cursor from another query, an unknown sort field and a bad window', async () => {
      const first = await get(`/api/v2/uptime?${window()}&limit=1`);
      const cursor: string = first.body.pagination.next_cursor;
      expect(cursor).toEqual(expect.any(String));
      const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`;
      expectError(await get(`/api/v2/uptime?${window()}&limit=1&cursor=${tampered}`), 400, 'VAL_INVALID_CURSOR');
      expectError(await get(`/api/v2/uptime?${window()}&limit=1&sort=name&cursor=${cursor}`), 400, 'VAL_INVALID_CURSOR');
      expectError(await get(`/api/v2/uptime?${window()}&sort=latency`), 400, 'VAL_INVALID_QUERY');
      expectError(await get(`/api/v2/uptime?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z`), 400, 'VAL_INVALID_QUERY');
    });

    it('answers 400 VAL_INVALID_QUERY naming the field for ISO 8601 forms JavaScript cannot read (they were a 500)', async () => {
      for (const [query, field] of [
        ['from=2026-W09', 'from'],
        ['to=20260302', 'to'],
        ['from=2026-03-01T10', 'from'],
      ]) {
        expect(expectError(await get(`/api/v2/uptime?${query}`), 400, 'VAL_INVALID_QUERY').details[0]).toMatchObject({ field });
      }
    });
  });
});
