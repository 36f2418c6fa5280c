import { VigilConfig } from '@vigil/config';
import { type CheckResultEvent, type EndpointStatusChangedEvent, EventBus, VigilEvents } from '@vigil/events';
import { RollupCompactionService, UptimeRollupsRepository } from '@vigil/uptime';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TargetServer } from '../support/target-server';
import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestStack } from '../support/test-app';
import { waitFor } from './support/monitoring-db';

const RESULT_FIELDS = [
  'id',
  'endpoint_id',
  'checked_at',
  'scheduled_for',
  'success',
  'status_code',
  'response_time_ms',
  'reason',
  'message',
  'attempts',
  'timings',
  'assertions',
  'manual',
  'in_maintenance',
].sort();

describe('check routes: run a check now, and history', () => {
  let stack: TestStack;
  const target = new TargetServer();
  let operator: string;
  let viewer: string;

  const api = () => stack.api.http;
  const as = (key: string) => ({ 'X-API-Key': key });

  async function createEndpoint(path: string, extra: Record<string, unknown> = {}): Promise<{ id: string; name: string }> {
    const res = await api()
      .post('/api/v1/endpoints')
      .set(as(ADMIN_KEY))
      .send({ name: `ep-${Math.random().toString(36).slice(2, 10)}`, url: target.url(path), interval: 60, timeout: 2, ...extra });
    if (res.status !== 201) throw new Error(`could not create an endpoint: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  }
  const checkNow = (id: string, key = operator, version = '1') => api().post(`/api/v${version}/endpoints/${id}/check`).set(as(key));
  const setUrl = (id: string, path: string) =>
    api()
      .patch(`/api/v1/endpoints/${id}`)
      .set(as(ADMIN_KEY))
      .send({ url: target.url(path) });

  beforeAll(async () => {
    await target.start();
    // Checks run only on demand here, so results are exactly the ones each test makes.
    stack = await startTestStack({ RUN_CHECKS: 'false', VIGIL_TARGET_ALLOWLIST: '127.0.0.0/8', STATUS_DOWN_THRESHOLD: '2' });
    operator = (await stack.createKey('operator')).key;
    viewer = (await stack.createKey('viewer')).key;
  });
  afterAll(async () => {
    await stack?.close();
    await target.stop();
  });

  describe('POST /endpoints/{id}/check', () => {
    it('runs one check now, answers 200 with the stored result, updates the status and publishes both events', async () => {
      const e = await createEndpoint('/status/200/now');
      const bus = stack.api.app.get(EventBus);
      const results: CheckResultEvent[] = [];
      const changes: EndpointStatusChangedEvent[] = [];
      const offs = [
        bus.subscribe<CheckResultEvent>(VigilEvents.CheckResult, (r) => results.push(r)),
        bus.subscribe<EndpointStatusChangedEvent>(VigilEvents.EndpointStatusChanged, (c) => changes.push(c)),
      ];
      try {
        const res = await checkNow(e.id);
        expect(res.status).toBe(200);
        const data = expectEnvelope(res.body, '1');
        expect(Object.keys(data).sort()).toEqual(RESULT_FIELDS);
        expect(data).toMatchObject({
          id: expect.stringMatching(/^\d+$/),
          endpoint_id: e.id,
          success: true,
          status_code: 200,
          reason: null,
          message: null,
          attempts: 1,
          manual: true,
          scheduled_for: null,
          assertions: [],
        });
        expect(data.timings).toEqual({
          dns_ms: expect.any(Number),
          connect_ms: expect.any(Number),
          tls_ms: expect.any(Number),
          first_byte_ms: expect.any(Number),
          total_ms: expect.any(Number),
          reused_connection: false,
        });
        expect(new Date(data.checked_at).toISOString()).toBe(data.checked_at);
        expect(target.hits('/status/200/now')).toBe(1);

        const endpoint = expectEnvelope((await api().get(`/api/v1/endpoints/${e.id}`).set(as(viewer))).body);
        expect(endpoint.status).toBe('up');
        await waitFor('both events', async () => results.some((r) => r.id === data.id) && changes.some((c) => c.check_id === data.id));
        expect(results.find((r) => r.id === data.id)).toEqual({
          id: data.id,
          endpoint_id: e.id,
          endpoint_name: e.name,
          checked_at: data.checked_at,
          success: true,
          status_code: 200,
          response_time_ms: data.response_time_ms,
          reason: null,
          attempts: 1,
        });
        expect(changes.find((c) => c.check_id === data.id)).toMatchObject({ endpoint_id: e.id, old_status: 'pending', new_status: 'up' });
      } finally {
        offs.forEach((off) => off());
      }
    });

    it('answers v2 the same way, and stores a failure with its reason and message', async () => {
      const e = await createEndpoint('/status/500/v2');
      const res = await checkNow(e.id, operator, '2');
      expect(res.status).toBe(200);
      expect(expectEnvelope(res.body, '2')).toMatchObject({
        success: false,
        status_code: 500,
        reason: 'status_mismatch',
        message: expect.any(String),
        manual: true,
      });
    });

    it('moves the status up → degraded → down → up (threshold 2) and publishes each change in order', async () => {
      const e = await createEndpoint('/status/200/flip');
      const changes: EndpointStatusChangedEvent[] = [];
      const off = stack.api.app
        .get(EventBus)
        .subscribe<EndpointStatusChangedEvent>(VigilEvents.EndpointStatusChanged, (c) => c.endpoint_id === e.id && changes.push(c));
      try {
        const statuses: string[] = [];
        const step = async () => {
          expect((await checkNow(e.id)).status).toBe(200);
          statuses.push(expectEnvelope((await api().get(`/api/v1/endpoints/${e.id}`).set(as(viewer))).body).status);
        };
        await step();
        expect((await setUrl(e.id, '/status/503/flip')).status).toBe(200);
        await step();
        await step();
        await step();
        expect((await setUrl(e.id, '/status/200/flip')).status).toBe(200);
        await step();
        expect(statuses).toEqual(['up', 'degraded', 'down', 'down', 'up']);
        await waitFor('four status changes', async () => changes.length >= 4);
        expect(changes.map((c) => [c.old_status, c.new_status])).toEqual([
          ['pending', 'up'],
          ['up', 'degraded'],
          ['degraded', 'down'],
          ['down', 'up'],
        ]);
        expect(changes[2]).toMatchObject({ endpoint_name: e.name, reason: 'status_mismatch' });
      } finally {
        off();
      }
    });

    it('answers 409 BIZ_ENDPOINT_PAUSED for a paused endpoint and runs nothing', async () => {
      const e = await createEndpoint('/status/200/paused');
      expect((await api().post(`/api/v1/endpoints/${e.id}/pause`).set(as(ADMIN_KEY))).status).toBe(200);
      expectError(await checkNow(e.id), 409, 'BIZ_ENDPOINT_PAUSED');
      expectError(await checkNow(e.id, operator, '2'), 409, 'BIZ_ENDPOINT_PAUSED');
      expect(target.hits('/status/200/paused')).toBe(0);
    });

    it('needs an operator key (a viewer gets 403), 404 for an unknown endpoint, and refuses a malformed id', async () => {
      const e = await createEndpoint('/status/200/roles');
      expectError(await checkNow(e.id, viewer), 403, 'PERM_DENIED');
      expectError(await checkNow('00000000-0000-4000-8000-000000000000'), 404, 'RES_NOT_FOUND');
      const bad = await checkNow('not-a-uuid');
      expect([400, 422]).toContain(bad.status);
      expect(bad.body.error.code).toMatch(/^VAL_/);
      expect(target.hits('/status/200/roles')).toBe(0);
    });
  });

  describe('GET /endpoints/{id}/checks', () => {
    let e: { id: string };
    /** Every result of `e`, newest first, as v1 lists them. */
    let all: Array<{ id: string; checked_at: string; success: boolean; reason: string | null }>;

    beforeAll(async () => {
      e = await createEndpoint('/status/200/history');
      // 5 successes, then 3 failures, then 2 successes: 10 results, checked a few ms apart.
      for (const [path, n] of [
        ['/status/200/history', 5],
        ['/status/500/history', 3],
        ['/status/200/history', 2],
      ] as const) {
        expect((await setUrl(e.id, path)).status).toBe(200);
        for (let i = 0; i < n; i++) expect((await checkNow(e.id)).status).toBe(200);
      }
      const res = await api().get(`/api/v1/endpoints/${e.id}/checks?limit=100`).set(as(viewer));
      expect(res.status).toBe(200);
      all = expectEnvelope(res.body);
    });

    it('lists the history newest first with offset pagination (viewer may read)', async () => {
      expect(all).toHaveLength(10);
      const times = all.map((r) => Date.parse(r.checked_at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      const res = await api().get(`/api/v1/endpoints/${e.id}/checks?limit=4&offset=4`).set(as(viewer));
      expect(res.body.data.map((r: { id: string }) => r.id)).toEqual(all.slice(4, 8).map((r) => r.id));
      expect(res.body.pagination).toMatchObject({ page: 2, per_page: 4, total: 10, total_pages: 3, has_next: true, has_prev: true });
      expect(res.body.pagination.links.next).toBe(`/api/v1/endpoints/${e.id}/checks?limit=4&offset=8`);
    });

    it('sorts on checked_at ascending on request and refuses any other sort field', async () => {
      const asc = await api().get(`/api/v1/endpoints/${e.id}/checks?sort=checked_at:asc&limit=100`).set(as(viewer));
      expect(asc.body.data.map((r: { id: string }) => r.id)).toEqual([...all].reverse().map((r) => r.id));
      expectError(await api().get(`/api/v1/endpoints/${e.id}/checks?sort=status_code`).set(as(viewer)), 400, 'VAL_INVALID_QUERY');
    });

    it('filters on success and reason, with the filters kept in the links', async () => {
      const failed = await api().get(`/api/v1/endpoints/${e.id}/checks?success=false&limit=2`).set(as(viewer));
      expect(failed.body.pagination.total).toBe(3);
      expect(failed.body.data.every((r: { success: boolean }) => !r.success)).toBe(true);
      expect(failed.body.pagination.links.next).toContain('success=false');
      const byReason = await api().get(`/api/v1/endpoints/${e.id}/checks?reason=status_mismatch`).set(as(viewer));
      expect(byReason.body.pagination.total).toBe(3);
      const none = await api().get(`/api/v1/endpoints/${e.id}/checks?reason=timeout`).set(as(viewer));
      expect({ total: none.body.pagination.total, data: none.body.data }).toEqual({ total: 0, data: [] });
      const ok = await api().get(`/api/v1/endpoints/${e.id}/checks?success=true`).set(as(viewer));
      expect(ok.body.pagination.total).toBe(7);
    });

    it('filters on from/to, both inclusive', async () => {
      const oldestFirst = [...all].reverse();
      const from = oldestFirst[2].checked_at;
      const to = oldestFirst[6].checked_at;
      const res = await api()
        .get(`/api/v1/endpoints/${e.id}/checks?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&sort=checked_at:asc`)
        .set(as(viewer));
      expect(res.status).toBe(200);
      const expected = oldestFirst.filter((r) => r.checked_at >= from && r.checked_at <= to).map((r) => r.id);
      expect(res.body.data.map((r: { id: string }) => r.id)).toEqual(expected);
      expect(expected.length).toBeGreaterThanOrEqual(5);
    });

    it('answers 400 VAL_INVALID_QUERY for from after to, a date that is not ISO 8601, an unknown reason or an unknown filter', async () => {
      const get = (q: string) => api().get(`/api/v1/endpoints/${e.id}/checks?${q}`).set(as(viewer));
      const reversed = expectError(await get('from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z'), 400, 'VAL_INVALID_QUERY');
      expect(reversed.details).toEqual([expect.objectContaining({ field: 'from' })]);
      expect(expectError(await get('from=yesterday'), 400, 'VAL_INVALID_QUERY').details).toEqual([expect.objectContaining({ field: 'from' })]);
      expect(expectError(await get('to=2026-13-45'), 400, 'VAL_INVALID_QUERY').details).toEqual([expect.objectContaining({ field: 'to' })]);
      expect(expectError(await get('reason=bogus'), 400, 'VAL_INVALID_QUERY').details).toEqual([expect.objectContaining({ field: 'reason' })]);
      expect(expectError(await get('colour=red'), 400, 'VAL_INVALID_QUERY').details).toEqual([expect.objectContaining({ field: 'colour' })]);
      expectError(await get('success=maybe'), 400, 'VAL_INVALID_QUERY');
    });

    it('answers 400 VAL_INVALID_QUERY for ISO 8601 forms JavaScript cannot read and for signed years, in v1 and v2', async () => {
      // These passed validation; the unreadable ones reached the database (422 "A value was rejected by the database"),
      // and a signed year was read as the same year AD.
      for (const [query, field] of [
        ['from=2026-W48', 'from'],
        ['to=20261124', 'to'],
        ['from=2026-11-24T10', 'from'],
        ['to=2026-11-24T10:00:00,5Z', 'to'],
        ['from=-2026-11-24', 'from'],
      ]) {
        for (const version of ['v1', 'v2']) {
          const res = await api().get(`/api/${version}/endpoints/${e.id}/checks?${query}`).set(as(viewer));
          expect(expectError(res, 400, 'VAL_INVALID_QUERY').details).toEqual([
            expect.objectContaining({ field, message: expect.stringContaining('ISO 8601') }),
          ]);
        }
      }
    });

    it('answers 404 for the history of an unknown endpoint', async () => {
      expectError(await api().get('/api/v1/endpoints/00000000-0000-4000-8000-000000000000/checks').set(as(viewer)), 404, 'RES_NOT_FOUND');
    });

    it('v2 walks the same history with cursors, each result exactly once, filters included', async () => {
      const walk = async (first: string) => {
        const seen: string[] = [];
        let url: string | null = first;
        while (url) {
          const res: { status: number; body: any } = await api().get(url).set(as(viewer));
          expect(res.status).toBe(200);
          seen.push(...expectEnvelope(res.body, '2').map((r: { id: string }) => r.id));
          expect(res.body.pagination).toMatchObject({ limit: 3, has_more: expect.any(Boolean) });
          url = res.body.pagination.links.next;
          expect(seen.length).toBeLessThan(20);
        }
        return seen;
      };
      expect(await walk(`/api/v2/endpoints/${e.id}/checks?limit=3`)).toEqual(all.map((r) => r.id));
      expect(await walk(`/api/v2/endpoints/${e.id}/checks?limit=3&success=true`)).toEqual(all.filter((r) => r.success).map((r) => r.id));
      expect(await walk(`/api/v2/endpoints/${e.id}/checks?limit=3&sort=checked_at:asc`)).toEqual([...all].reverse().map((r) => r.id));

      const page = await api().get(`/api/v2/endpoints/${e.id}/checks?limit=3`).set(as(viewer));
      const cursor = page.body.pagination.next_cursor;
      expectError(await api().get(`/api/v2/endpoints/${e.id}/checks?limit=3&success=false&cursor=${cursor}`).set(as(viewer)), 400, 'VAL_INVALID_CURSOR');
      expectError(await api().get(`/api/v2/endpoints/${e.id}/checks?from=2026-11-25&to=2026-11-24`).set(as(viewer)), 400, 'VAL_INVALID_QUERY');
    });
  });

  describe('DELETE /endpoints/{id}', () => {
    it('removes the endpoint with its check history and uptime rollups, and leaves other endpoints alone', async () => {
      const gone = await createEndpoint('/status/200/delete-me');
      const kept = await createEndpoint('/status/200/keep-me');
      for (const e of [gone, kept, gone]) expect((await checkNow(e.id)).status).toBe(200);
      // Hour and day rows are compacted from minute rows once the hour is over: compact it, as an hour from now.
      const app = stack.api.app;
      await new RollupCompactionService(app.get(DataSource), app.get(VigilConfig), new UptimeRollupsRepository()).runOnce(new Date(Date.now() + 2 * 3_600_000));
      const pg = new Client({ connectionString: stack.db.url });
      await pg.connect();
      const counts = async (id: string) =>
        (
          await pg.query(
            `SELECT (SELECT count(*) FROM check_results WHERE endpoint_id = $1)::int AS results,
                    (SELECT count(*) FROM uptime_minute WHERE endpoint_id = $1)::int
                  + (SELECT count(*) FROM uptime_hour WHERE endpoint_id = $1)::int
                  + (SELECT count(*) FROM uptime_day WHERE endpoint_id = $1)::int AS rollups`,
            [id],
          )
        ).rows[0];
      try {
        expect(await counts(gone.id)).toEqual({ results: 2, rollups: 3 });
        expect((await api().delete(`/api/v1/endpoints/${gone.id}`).set(as(ADMIN_KEY))).status).toBe(204);
        expect(await counts(gone.id)).toEqual({ results: 0, rollups: 0 });
        expect(await counts(kept.id)).toEqual({ results: 1, rollups: 3 });
      } finally {
        await pg.end();
      }
    });
  });

  describe('the scheduler inside the API (RUN_CHECKS)', () => {
    it('is not_running in /ready when checks run elsewhere', async () => {
      const res = await api().get('/ready');
      expect(res.status).toBe(200);
      expect(res.body.data.checks.scheduler).toBe('not_running');
    });

    it('runs scheduled checks itself in single-process mode, reports up in /ready, and gives back its leases when it stops', async () => {
      const single = await stack.startInstance({ RUN_CHECKS: 'true', SCHEDULER_TICK_MS: '100', CHECK_MIN_INTERVAL_S: '1' });
      const created = await single.http
        .post('/api/v1/endpoints')
        .set(as(ADMIN_KEY))
        .send({ name: 'single-process', url: target.url('/delay/300/single'), interval: 2, timeout: 1 });
      expect(created.status).toBe(201);
      const id = created.body.data.id;
      const ready = await single.http.get('/ready');
      expect(ready.body.data.checks.scheduler).toBe('up');
      const scheduled = await waitFor(
        'two scheduled results',
        async () => {
          const res = await single.http.get(`/api/v1/endpoints/${id}/checks?limit=100&sort=checked_at:asc`).set(as(viewer));
          return res.body.data?.length >= 2 ? res.body.data : null;
        },
        15_000,
      );
      expect(scheduled[0]).toMatchObject({ manual: false, success: true, scheduled_for: expect.any(String) });
      expect(Date.parse(scheduled[1].scheduled_for) - Date.parse(scheduled[0].scheduled_for)).toBe(2000);
      await single.close();
      const pg = new Client({ connectionString: stack.db.url });
      await pg.connect();
      try {
        // A clean stop gives the endpoint back and ends the worker's heartbeat.
        const { rows } = await pg.query('SELECT lease_owner FROM endpoints WHERE id = $1', [id]);
        expect(rows).toEqual([{ lease_owner: null }]);
        expect((await pg.query('SELECT id FROM scheduler_workers')).rows).toEqual([]);
      } finally {
        await pg.end();
      }
    });
  });
});
