import { waitFor } from '../checks/support/monitoring-db';
import { ADMIN_KEY, expectEnvelope, expectError } from '../support/test-app';
import { as, IncidentWorld } from './incident-world';

const HOUR = 3600_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
/** A one-off period running now. */
const runningNow = () => ({ starts_at: iso(-60_000), ends_at: iso(HOUR) });

describe('maintenance windows', () => {
  const world = new IncidentWorld();
  const created: string[] = [];

  beforeAll(() => world.start());
  afterAll(() => world.stop());

  async function createWindow(body: Record<string, unknown>, key = world.operator): Promise<any> {
    const res = await world.api
      .post('/api/v1/maintenance-windows')
      .set(as(key))
      .send({ name: `mw-${Math.random().toString(36).slice(2, 8)}`, ...body });
    if (res.status !== 201) throw new Error(`could not create a window: ${res.status} ${JSON.stringify(res.body)}`);
    created.push(res.body.data.id);
    return res.body.data;
  }
  const remove = (id: string) => world.api.delete(`/api/v1/maintenance-windows/${id}`).set(as(world.operator));

  describe('marking results and suppressing incidents', () => {
    it('stores and marks results inside an endpoint window, opens no incident, and opens one at the first failure after the window', async () => {
      const e = await world.endpoint('/status/500/mw-endpoint');
      const w = await createWindow({ endpoint_id: e.id, ...runningNow() });
      expect(w).toMatchObject({ scope: 'endpoint', kind: 'one_off', active_now: true });

      const during = await world.checks(e.id, 4);
      expect(await world.maintenanceMarks(during.map((r) => r.id))).toEqual([true, true, true, true]);
      const endpoint = expectEnvelope((await world.api.get(`/api/v1/endpoints/${e.id}`).set(as(world.viewer))).body);
      expect(endpoint.status).toBe('down');
      expect(await world.incidents({ endpoint_id: e.id })).toEqual([]);

      expect((await remove(w.id)).status).toBe(204);
      const after = await world.check(e.id);
      expect(await world.maintenanceMarks([after.id])).toEqual([false]);
      const [incident] = await world.incidents({ endpoint_id: e.id });
      expect(incident).toMatchObject({ status: 'open', started_at: after.checked_at, failed_checks: 5, opened_by_check_id: after.id });
      const detail = await world.incident(incident.id);
      expect(detail.timeline[0]).toMatchObject({ kind: 'opened', from_status: 'down', to_status: 'down', note: expect.stringContaining('maintenance window') });
    });

    it('marks endpoints through a tag window and a global window, and leaves other endpoints alone', async () => {
      const tagged = await world.endpoint('/status/200/mw-tag', { tags: ['db-cluster'] });
      const other = await world.endpoint('/status/200/mw-other', { tags: ['web'] });
      const tagWindow = await createWindow({ tag: 'DB-Cluster', ...runningNow() });
      expect(tagWindow).toMatchObject({ scope: 'tag', tag: 'db-cluster' });
      const [t1, o1] = [await world.check(tagged.id), await world.check(other.id)];
      expect(await world.maintenanceMarks([t1.id, o1.id])).toEqual([true, false]);
      await remove(tagWindow.id);

      const globalWindow = await createWindow({ global: true, ...runningNow() });
      const [t2, o2] = [await world.check(tagged.id), await world.check(other.id)];
      expect(await world.maintenanceMarks([t2.id, o2.id])).toEqual([true, true]);
      await remove(globalWindow.id);
      const o3 = await world.check(other.id);
      expect(await world.maintenanceMarks([o3.id])).toEqual([false]);
    });

    it('marks results inside a weekly window running now and not outside it', async () => {
      const e = await world.endpoint('/status/200/mw-weekly');
      const start = new Date(Date.now() - 10 * 60_000);
      const hhmm = `${String(start.getUTCHours()).padStart(2, '0')}:${String(start.getUTCMinutes()).padStart(2, '0')}`;
      const everyDay = [0, 1, 2, 3, 4, 5, 6];
      const w = await createWindow({ endpoint_id: e.id, recurrence: { days: everyDay, start_time: hhmm, duration_minutes: 60, time_zone: 'UTC' } });
      expect(w).toMatchObject({
        kind: 'recurring',
        active_now: true,
        recurrence: { days: everyDay, start_time: hhmm, duration_minutes: 60, time_zone: 'UTC' },
      });
      expect(Date.parse(w.next_occurrence.starts_at)).toBeLessThanOrEqual(Date.now());
      const inside = await world.check(e.id);

      // The same window moved two hours later: not running now.
      const later = new Date(Date.now() + 2 * HOUR);
      const laterHhmm = `${String(later.getUTCHours()).padStart(2, '0')}:${String(later.getUTCMinutes()).padStart(2, '0')}`;
      const moved = await world.api
        .patch(`/api/v1/maintenance-windows/${w.id}`)
        .set(as(world.operator))
        .send({ recurrence: { start_time: laterHhmm } });
      expect(moved.status).toBe(200);
      expect(expectEnvelope(moved.body)).toMatchObject({ active_now: false, recurrence: { start_time: laterHhmm, duration_minutes: 60 } });
      const outside = await world.check(e.id);
      expect(await world.maintenanceMarks([inside.id, outside.id])).toEqual([true, false]);

      const status = expectEnvelope((await world.api.get(`/api/v1/endpoints/${e.id}/maintenance`).set(as(world.viewer))).body);
      expect(status).toMatchObject({ endpoint_id: e.id, in_maintenance: false, active_windows: [] });
      expect(status.upcoming_windows.map((x: any) => x.id)).toContain(w.id);
    });

    it('applies a window created through one instance to results stored by another within seconds (event bus invalidation)', async () => {
      const second = await world.stack.startInstance();
      const e = await world.endpoint('/status/200/mw-cross');
      // The second instance loads (and caches) its windows while there is none for this endpoint.
      const before = await world.check(e.id, second);
      expect(await world.maintenanceMarks([before.id])).toEqual([false]);

      await createWindow({ endpoint_id: e.id, ...runningNow() });
      const marked = await waitFor(
        'a marked result on the second instance',
        async () => {
          const r = await world.check(e.id, second);
          return (await world.maintenanceMarks([r.id]))[0] ? r : null;
        },
        5000,
        200,
      );
      expect(marked.success).toBe(true);
      const endpointStatus = expectEnvelope((await second.http.get(`/api/v1/endpoints/${e.id}/maintenance`).set(as(world.viewer))).body);
      expect(endpointStatus.in_maintenance).toBe(true);
    });
  });

  describe('CRUD', () => {
    let endpointId: string;
    beforeAll(async () => {
      endpointId = (await world.endpoint('/status/200/mw-crud', { tags: ['crud'] })).id;
    });

    it('creates (201 + Location), reads, replaces, patches and deletes a window', async () => {
      const res = await world.api
        .post('/api/v1/maintenance-windows')
        .set(as(world.operator))
        .send({ name: 'Upgrade', description: 'PostgreSQL 18', endpoint_id: endpointId, starts_at: '2030-01-01T02:00:00Z', ends_at: '2030-01-01T04:00:00Z' });
      expect(res.status).toBe(201);
      const w = expectEnvelope(res.body);
      expect(res.headers.location).toBe(`/api/v1/maintenance-windows/${w.id}`);
      expect(w).toEqual({
        id: expect.any(String),
        name: 'Upgrade',
        description: 'PostgreSQL 18',
        scope: 'endpoint',
        endpoint_id: endpointId,
        tag: null,
        kind: 'one_off',
        starts_at: '2030-01-01T02:00:00.000Z',
        ends_at: '2030-01-01T04:00:00.000Z',
        recurrence: null,
        active_now: false,
        next_occurrence: { starts_at: '2030-01-01T02:00:00.000Z', ends_at: '2030-01-01T04:00:00.000Z' },
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(expectEnvelope((await world.api.get(`/api/v1/maintenance-windows/${w.id}`).set(as(world.viewer))).body)).toEqual(w);

      const put = await world.api
        .put(`/api/v1/maintenance-windows/${w.id}`)
        .set(as(world.operator))
        .send({
          name: 'Backups',
          tag: 'crud',
          recurrence: { days: ['sat', 'sun'], start_time: '01:00', duration_minutes: 120, time_zone: 'america/new_york' },
        });
      expect(put.status).toBe(200);
      expect(expectEnvelope(put.body)).toMatchObject({
        name: 'Backups',
        description: null,
        scope: 'tag',
        endpoint_id: null,
        tag: 'crud',
        kind: 'recurring',
        starts_at: null,
        recurrence: { days: [0, 6], start_time: '01:00', duration_minutes: 120, time_zone: 'America/New_York' },
      });

      const patch = await world.api.patch(`/api/v1/maintenance-windows/${w.id}`).set(as(world.operator)).send({ description: 'nightly', global: true });
      expect(expectEnvelope(patch.body)).toMatchObject({ name: 'Backups', description: 'nightly', scope: 'global', tag: null, kind: 'recurring' });

      const list = await world.api.get('/api/v1/maintenance-windows').query({ endpoint_id: endpointId, kind: 'recurring' }).set(as(world.viewer));
      expect(list.status).toBe(200);
      expect(list.body.data.map((x: any) => x.id)).toContain(w.id);
      expect(list.body.pagination).toMatchObject({ page: 1 });

      expect((await world.api.delete(`/api/v1/maintenance-windows/${w.id}`).set(as(world.operator))).status).toBe(204);
      expectError(await world.api.get(`/api/v1/maintenance-windows/${w.id}`).set(as(world.viewer)), 404, 'RES_NOT_FOUND');
      expectError(await world.api.delete(`/api/v1/maintenance-windows/${w.id}`).set(as(world.operator)), 404, 'RES_NOT_FOUND');
    });

    it('lists with scope, tag and endpoint filters (an endpoint sees its own, its tags and global windows)', async () => {
      const own = await createWindow({ endpoint_id: endpointId, starts_at: '2031-01-01T00:00:00Z', ends_at: '2031-01-02T00:00:00Z' });
      const byTag = await createWindow({ tag: 'crud', starts_at: '2031-01-01T00:00:00Z', ends_at: '2031-01-02T00:00:00Z' });
      const other = await createWindow({ tag: 'not-crud', starts_at: '2031-01-01T00:00:00Z', ends_at: '2031-01-02T00:00:00Z' });
      const ids = async (query: Record<string, string>) =>
        expectEnvelope(
          (
            await world.api
              .get('/api/v1/maintenance-windows')
              .query({ limit: '100', ...query })
              .set(as(world.viewer))
          ).body,
        ).map((x: any) => x.id);
      const forEndpoint = await ids({ endpoint_id: endpointId });
      expect(forEndpoint).toEqual(expect.arrayContaining([own.id, byTag.id]));
      expect(forEndpoint).not.toContain(other.id);
      expect(await ids({ tag: 'crud' })).toEqual([byTag.id]);
      expect(await ids({ scope: 'endpoint' })).toContain(own.id);
      expect(await ids({ scope: 'endpoint' })).not.toContain(byTag.id);
      expect(await ids({ sort: 'name:asc' })).toHaveLength((await ids({})).length);
    });

    it('refuses invalid windows with 422 naming each field', async () => {
      const post = (body: Record<string, unknown>) =>
        world.api
          .post('/api/v1/maintenance-windows')
          .set(as(world.operator))
          .send({ name: 'bad', ...body });
      const fields = async (body: Record<string, unknown>) => {
        const res = await post(body);
        expect(res.status).toBe(422);
        return res.body.error.details.map((d: any) => d.field);
      };
      const weekly = { days: [1], start_time: '02:00', duration_minutes: 60, time_zone: 'UTC' };
      expect(await fields({ global: true, recurrence: { ...weekly, time_zone: 'Mars/Olympus' } })).toEqual(['recurrence.time_zone']);
      expect(await fields({ global: true, recurrence: { ...weekly, time_zone: '+02:00' } })).toEqual(['recurrence.time_zone']);
      expect(await fields({ global: true, recurrence: { ...weekly, days: [7] } })).toEqual(['recurrence.days']);
      expect(await fields({ global: true, recurrence: { ...weekly, days: ['someday'] } })).toEqual(['recurrence.days']);
      expect(await fields({ global: true, recurrence: { ...weekly, days: [] } })).toEqual(['recurrence.days']);
      expect(await fields({ global: true, recurrence: { ...weekly, duration_minutes: 0 } })).toEqual(['recurrence.duration_minutes']);
      expect(await fields({ global: true, recurrence: { ...weekly, duration_minutes: 10081 } })).toEqual(['recurrence.duration_minutes']);
      expect(await fields({ global: true, recurrence: { ...weekly, start_time: '24:00' } })).toEqual(['recurrence.start_time']);
      expect(await fields({ global: true, recurrence: { ...weekly, every: 'week' } })).toEqual(['recurrence.every']);
      expect(await fields({ global: true, starts_at: '2030-01-01T02:00:00Z', ends_at: '2030-01-01T02:00:00Z' })).toEqual(['ends_at']);
      expect(await fields({ global: true, starts_at: '2030-01-01T02:00:00Z' })).toEqual(['ends_at']);
      expect(await fields({ global: true, starts_at: 'soon', ends_at: '2030-01-01T02:00:00Z' })).toEqual(['starts_at']);
      // A signed year was read as the same year AD (201), a week date reached the database (422 without a field).
      expect(await fields({ global: true, starts_at: '-2030-01-01', ends_at: '2030-01-02T00:00:00Z' })).toEqual(['starts_at']);
      expect(await fields({ global: true, starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-W01-3' })).toEqual(['ends_at']);
      expect(await fields({ global: true, starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-01-01T02:00:00Z', recurrence: weekly })).toEqual(['recurrence']);
      expect(await fields({ starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-01-01T02:00:00Z' })).toEqual(['endpoint_id']);
      expect(await fields({ global: true, tag: 'x', starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-01-01T02:00:00Z' })).toEqual(['global']);
      expect(await fields({ endpoint_id: '00000000-0000-4000-8000-000000000000', starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-01-01T02:00:00Z' })).toEqual(
        ['endpoint_id'],
      );
      expect(await fields({ tag: 'Bad Tag!', starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-01-01T02:00:00Z' })).toEqual(['tag']);
      const several = await post({ name: '', global: true, recurrence: { ...weekly, days: [9], time_zone: 'Nowhere' } });
      expectError(several, 422, 'VAL_MULTIPLE_ERRORS');
    });

    it('refuses names with control characters on POST, PUT and PATCH with 422 VAL_ERROR naming name, and stores nothing', async () => {
      const w = await createWindow({ name: 'Clean', global: true, starts_at: '2030-08-01T00:00:00Z', ends_at: '2030-08-01T02:00:00Z' });
      const oneOff = { global: true, starts_at: '2030-08-02T00:00:00Z', ends_at: '2030-08-02T02:00:00Z' };
      const stored = async () => (await world.query<{ name: string }>('SELECT name FROM maintenance_windows ORDER BY name')).map((r) => r.name);
      const before = await stored();
      for (const name of ['bell\u0007', 'two\nlines', 'tab\there', 'nul\u0000x', 'c1\u0085x', '\u0007']) {
        const attempts = [
          world.api
            .post('/api/v1/maintenance-windows')
            .set(as(world.operator))
            .send({ name, ...oneOff }),
          world.api
            .put(`/api/v1/maintenance-windows/${w.id}`)
            .set(as(world.operator))
            .send({ name, ...oneOff }),
          world.api.patch(`/api/v1/maintenance-windows/${w.id}`).set(as(world.operator)).send({ name }),
        ];
        for (const res of await Promise.all(attempts)) {
          const error = expectError(res, 422, 'VAL_ERROR');
          expect({ name, details: error.details.map((d: any) => d.field) }).toEqual({ name, details: ['name'] });
        }
      }
      expect(await stored()).toEqual(before);
      expect(expectEnvelope((await world.api.get(`/api/v1/maintenance-windows/${w.id}`).set(as(world.viewer))).body)).toMatchObject({ name: 'Clean' });
    });

    it('checks a PATCH against the merged window', async () => {
      const w = await createWindow({ global: true, starts_at: '2030-06-01T00:00:00Z', ends_at: '2030-06-01T02:00:00Z' });
      const patch = (body: Record<string, unknown>) => world.api.patch(`/api/v1/maintenance-windows/${w.id}`).set(as(world.operator)).send(body);
      expect(expectError(await patch({ ends_at: '2030-05-31T00:00:00Z' }), 422, 'VAL_ERROR').details).toEqual([expect.objectContaining({ field: 'ends_at' })]);
      const nameless = await patch({ name: null });
      expect(nameless.status).toBe(422);
      expect(new Set(nameless.body.error.details.map((d: any) => d.field))).toEqual(new Set(['name']));
      expectError(await patch({ recurrence: { days: [1] } }), 422, 'VAL_MULTIPLE_ERRORS');
      const ok = await patch({ ends_at: '2030-06-01T03:00:00Z' });
      expect(expectEnvelope(ok.body)).toMatchObject({ starts_at: '2030-06-01T00:00:00.000Z', ends_at: '2030-06-01T03:00:00.000Z' });
    });

    it('lets viewers read but not write, and answers 422 for ids that are not UUIDs', async () => {
      const w = await createWindow({ global: true, starts_at: '2030-07-01T00:00:00Z', ends_at: '2030-07-01T02:00:00Z' });
      expectError(
        await world.api
          .post('/api/v1/maintenance-windows')
          .set(as(world.viewer))
          .send({ name: 'x', global: true, starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-01-01T02:00:00Z' }),
        403,
        'PERM_DENIED',
      );
      expectError(await world.api.patch(`/api/v1/maintenance-windows/${w.id}`).set(as(world.viewer)).send({ name: 'y' }), 403, 'PERM_DENIED');
      expectError(await world.api.delete(`/api/v1/maintenance-windows/${w.id}`).set(as(world.viewer)), 403, 'PERM_DENIED');
      expect((await world.api.get(`/api/v1/maintenance-windows/${w.id}`).set(as(world.viewer))).status).toBe(200);
      expectError(await world.api.get('/api/v1/maintenance-windows/42').set(as(world.viewer)), 422, 'VAL_ERROR');
      expectError(await world.api.get('/api/v1/maintenance-windows').query({ scope: 'planet' }).set(as(world.viewer)), 400, 'VAL_INVALID_QUERY');
      expectError(await world.api.get('/api/v1/maintenance-windows').query({ sort: 'tag:asc' }).set(as(world.viewer)), 400, 'VAL_INVALID_QUERY');
      expectError(await world.api.get('/api/v1/endpoints/00000000-0000-4000-8000-000000000000/maintenance').set(as(ADMIN_KEY)), 404, 'RES_NOT_FOUND');
    });
  });
});
