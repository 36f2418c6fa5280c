import { LiveSocket } from '../live/live-socket';
import { ADMIN_KEY, expectEnvelope, expectError } from '../support/test-app';
import { as, IncidentWorld } from './incident-world';

const INCIDENT_FIELDS = [
  'id',
  'endpoint_id',
  'endpoint_name',
  'status',
  'started_at',
  'resolved_at',
  'duration_s',
  'resolution',
  'first_failure_at',
  'first_failure_reason',
  'first_failure_message',
  'failed_checks',
  'last_failure_at',
  'opened_by_check_id',
  'resolved_by_check_id',
].sort();

describe('incidents (STATUS_DOWN_THRESHOLD=3)', () => {
  const world = new IncidentWorld();
  const sockets: LiveSocket[] = [];

  beforeAll(() => world.start());
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await world.stop();
  });

  it('opens exactly at the third failure, counts later failures, and resolves at recovery with its duration and timeline', async () => {
    const e = await world.endpoint('/status/503/opens');
    const [first, second] = await world.checks(e.id, 2);
    expect(await world.incidents({ endpoint_id: e.id })).toEqual([]);

    const third = await world.check(e.id);
    const [opened] = await world.incidents({ endpoint_id: e.id });
    expect(Object.keys(opened).sort()).toEqual(INCIDENT_FIELDS);
    expect(opened).toMatchObject({
      endpoint_id: e.id,
      endpoint_name: e.name,
      status: 'open',
      started_at: third.checked_at,
      resolved_at: null,
      resolution: null,
      first_failure_at: first.checked_at,
      first_failure_reason: 'status_mismatch',
      first_failure_message: expect.stringContaining('503'),
      failed_checks: 3,
      last_failure_at: third.checked_at,
      opened_by_check_id: third.id,
    });
    expect(opened.duration_s).toBeGreaterThanOrEqual(0);
    expect(second.success).toBe(false);

    const fourth = await world.check(e.id);
    const stillOpen = await world.incidents({ endpoint_id: e.id });
    expect(stillOpen).toHaveLength(1);
    expect(stillOpen[0]).toMatchObject({ id: opened.id, failed_checks: 4, last_failure_at: fourth.checked_at });

    await world.setPath(e.id, '/status/200/opens');
    const recovery = await world.check(e.id);
    const resolved = await world.incident(opened.id);
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolved_at: recovery.checked_at,
      resolution: 'recovered',
      failed_checks: 4,
      resolved_by_check_id: recovery.id,
    });
    expect(resolved.duration_s).toBe((Date.parse(recovery.checked_at) - Date.parse(third.checked_at)) / 1000);
    expect(resolved.timeline).toEqual([
      expect.objectContaining({
        kind: 'opened',
        at: third.checked_at,
        from_status: 'degraded',
        to_status: 'down',
        check_id: third.id,
        note: null,
        author: null,
      }),
      expect.objectContaining({ kind: 'resolved', at: recovery.checked_at, from_status: 'down', to_status: 'up', check_id: recovery.id }),
    ]);

    // Down again: a new incident, the old one stays resolved.
    await world.setPath(e.id, '/status/500/opens');
    await world.checks(e.id, 3);
    const all = await world.incidents({ endpoint_id: e.id });
    expect(all.map((i) => i.status)).toEqual(['open', 'resolved']);
    expect(all[0].first_failure_message).toContain('500');
  });

  it('keeps at most one open incident per endpoint (partial unique index)', async () => {
    const e = await world.endpoint('/status/500/unique');
    await world.checks(e.id, 3);
    await expect(
      world.query(`INSERT INTO incidents (endpoint_id, endpoint_name, started_at, first_failure_at, last_failure_at) VALUES ($1, 'x', now(), now(), now())`, [
        e.id,
      ]),
    ).rejects.toThrow(/incidents_open_uq/);
  });

  it('pushes incident_opened and incident_resolved to /ws/live clients of the endpoint topic and of status', async () => {
    const e = await world.endpoint('/status/500/live');
    const byTopic = await LiveSocket.connect(world.stack.api.url, world.viewer);
    const byDefault = await LiveSocket.connect(world.stack.api.url, world.viewer);
    sockets.push(byTopic, byDefault);
    await byTopic.subscribe(`endpoint:${e.id}`);
    await byTopic.unsubscribe('status');

    await world.checks(e.id, 3);
    const [incident] = await world.incidents({ endpoint_id: e.id });
    const opened = await byTopic.next('incident_opened');
    expect(opened).toEqual({
      type: 'incident_opened',
      incident_id: incident.id,
      endpoint_id: e.id,
      endpoint_name: e.name,
      started_at: incident.started_at,
      resolved_at: null,
      duration_s: null,
      resolution: null,
      first_failure_at: incident.first_failure_at,
      first_failure_reason: 'status_mismatch',
      failed_checks: 3,
    });
    expect((await byDefault.next('incident_opened')).incident_id).toBe(incident.id);

    await world.setPath(e.id, '/status/200/live');
    const recovery = await world.check(e.id);
    const resolved = await byTopic.next('incident_resolved');
    expect(resolved).toMatchObject({ type: 'incident_resolved', incident_id: incident.id, resolved_at: recovery.checked_at, resolution: 'recovered' });
    expect(resolved.duration_s).toBe((Date.parse(recovery.checked_at) - Date.parse(incident.started_at)) / 1000);
    expect((await byDefault.next('incident_resolved')).incident_id).toBe(incident.id);
  });

  it('resolves the open incident when the down endpoint is paused, with a timeline line, and opens a new one after resuming only at the threshold', async () => {
    const e = await world.endpoint('/status/500/pause');
    const socket = await LiveSocket.connect(world.stack.api.url, world.viewer);
    sockets.push(socket);
    await socket.subscribe(`endpoint:${e.id}`);
    await world.checks(e.id, 3);
    const [incident] = await world.incidents({ endpoint_id: e.id, open: 'true' });

    const paused = await world.api.post(`/api/v1/endpoints/${e.id}/pause`).set(as(world.operator));
    expect(paused.status).toBe(200);
    const event = await socket.next('incident_resolved');
    expect(event).toMatchObject({ incident_id: incident.id, resolution: 'paused' });
    const detail = await world.incident(incident.id);
    expect(detail).toMatchObject({ status: 'resolved', resolution: 'paused', resolved_at: event.resolved_at, resolved_by_check_id: null });
    expect(detail.timeline.at(-1)).toMatchObject({ kind: 'resolved', from_status: 'down', to_status: 'paused', note: 'the endpoint was paused' });

    await world.api.post(`/api/v1/endpoints/${e.id}/resume`).set(as(world.operator));
    await world.checks(e.id, 2);
    expect(await world.incidents({ endpoint_id: e.id, open: 'true' })).toEqual([]);
    await world.check(e.id);
    expect(await world.incidents({ endpoint_id: e.id, open: 'true' })).toHaveLength(1);
  });

  describe('notes', () => {
    let incidentId: string;
    beforeAll(async () => {
      const e = await world.endpoint('/status/500/notes');
      await world.checks(e.id, 3);
      incidentId = (await world.incidents({ endpoint_id: e.id }))[0].id;
    });

    it('adds an operator note (201, Location) that appears in the timeline with its author', async () => {
      const operatorKey = await world.stack.createKey('operator', { name: 'on-call-laptop' });
      const res = await world.api.post(`/api/v1/incidents/${incidentId}/notes`).set(as(operatorKey.key)).send({ text: '  Rolled back release 3.  ' });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/api/v1/incidents/${incidentId}`);
      const note = expectEnvelope(res.body);
      expect(note).toMatchObject({
        incident_id: incidentId,
        kind: 'note',
        note: 'Rolled back release 3.',
        from_status: null,
        to_status: null,
        author: { key_id: operatorKey.id, name: 'on-call-laptop' },
      });
      const detail = await world.incident(incidentId);
      expect(detail.timeline.map((t: any) => t.kind)).toEqual(['opened', 'note']);
      expect(detail.timeline[1]).toEqual(note);
      const v2 = await world.api.post(`/api/v2/incidents/${incidentId}/notes`).set(as(ADMIN_KEY)).send({ text: 'second' });
      expect(v2.status).toBe(201);
      expect(v2.headers.location).toBe(`/api/v2/incidents/${incidentId}`);
    });

    it('refuses viewers, empty or unknown fields, bad and unknown ids', async () => {
      expectError(await world.api.post(`/api/v1/incidents/${incidentId}/notes`).set(as(world.viewer)).send({ text: 'x' }), 403, 'PERM_DENIED');
      const empty = expectError(await world.api.post(`/api/v1/incidents/${incidentId}/notes`).set(as(world.operator)).send({ text: '   ' }), 422, 'VAL_ERROR');
      expect(empty.details).toEqual([expect.objectContaining({ field: 'text' })]);
      const extra = await world.api.post(`/api/v1/incidents/${incidentId}/notes`).set(as(world.operator)).send({ text: 'x', author: 'me' });
      expect(expectError(extra, 422, 'VAL_ERROR').details).toEqual([
        expect.objectContaining({ field: 'author', message: 'unknown field author is not allowed' }),
      ]);
      expectError(
        await world.api
          .post(`/api/v1/incidents/${incidentId}/notes`)
          .set(as(world.operator))
          .send({ text: 'x'.repeat(5001) }),
        422,
        'VAL_ERROR',
      );
      // PostgreSQL cannot store U+0000: the answer said only 'A value was rejected by the database'.
      const nul = await world.api.post(`/api/v1/incidents/${incidentId}/notes`).set(as(world.operator)).send({ text: 'a\u0000b' });
      expect(expectError(nul, 422, 'VAL_ERROR').message).toBe('Text must not contain the NUL character (\\u0000)');
      expectError(await world.api.post('/api/v1/incidents/abc/notes').set(as(world.operator)).send({ text: 'x' }), 422, 'VAL_ERROR');
      expectError(await world.api.get('/api/v1/incidents/99999999999999999999').set(as(world.viewer)), 422, 'VAL_ERROR');
      expectError(await world.api.post('/api/v1/incidents/987654321/notes').set(as(world.operator)).send({ text: 'x' }), 404, 'RES_NOT_FOUND');
      expectError(await world.api.get('/api/v1/incidents/987654321').set(as(world.viewer)), 404, 'RES_NOT_FOUND');
    });
  });

  describe('GET /incidents filters and pagination', () => {
    let a: { id: string };
    let b: { id: string };
    beforeAll(async () => {
      a = await world.endpoint('/status/500/filter-a');
      b = await world.endpoint('/status/500/filter-b');
      await world.checks(a.id, 3);
      await world.setPath(a.id, '/status/200/filter-a');
      await world.check(a.id);
      await world.checks(b.id, 3);
    });

    it('filters by endpoint and by open', async () => {
      expect((await world.incidents({ endpoint_id: a.id })).map((i) => i.status)).toEqual(['resolved']);
      expect((await world.incidents({ endpoint_id: a.id, open: 'true' })).length).toBe(0);
      expect((await world.incidents({ endpoint_id: b.id, open: 'true' })).length).toBe(1);
      const open = await world.incidents({ open: 'true', limit: '100' });
      expect(open.every((i) => i.status === 'open')).toBe(true);
      const closed = await world.incidents({ open: 'false', limit: '100' });
      expect(closed.length).toBeGreaterThan(0);
      expect(closed.every((i) => i.status === 'resolved')).toBe(true);
    });

    it('filters by overlap with from/to', async () => {
      const [resolved] = await world.incidents({ endpoint_id: a.id });
      const after = new Date(Date.parse(resolved.resolved_at) + 1).toISOString();
      expect(await world.incidents({ endpoint_id: a.id, from: after })).toEqual([]);
      expect(await world.incidents({ endpoint_id: a.id, from: resolved.resolved_at })).toHaveLength(1);
      const before = new Date(Date.parse(resolved.started_at) - 1).toISOString();
      expect(await world.incidents({ endpoint_id: a.id, to: before })).toEqual([]);
      expect(await world.incidents({ endpoint_id: b.id, from: after })).toHaveLength(1);
    });

    it('paginates v1 by offset and v2 by cursor, newest first', async () => {
      const v1 = await world.api.get('/api/v1/incidents').query({ limit: 1 }).set(as(world.viewer));
      expect(v1.status).toBe(200);
      expect(v1.body.pagination).toMatchObject({ page: 1, per_page: 1, has_prev: false, has_next: true });
      const all = await world.incidents({ limit: '100' });
      const starts = all.map((i) => Date.parse(i.started_at));
      expect([...starts].sort((x, y) => y - x)).toEqual(starts);

      const seen: string[] = [];
      let next: string | null = '/api/v2/incidents?limit=2';
      while (next) {
        const page: any = await world.api.get(next).set(as(world.viewer));
        expect(page.status).toBe(200);
        expectEnvelope(page.body, '2');
        seen.push(...page.body.data.map((i: any) => i.id));
        next = page.body.pagination.links.next;
      }
      expect(seen).toEqual(all.map((i) => i.id));
    });

    it('answers 400 for bad filters, inverted ranges, unknown filters and sort fields', async () => {
      const bad = (query: Record<string, string>) => world.api.get('/api/v1/incidents').query(query).set(as(world.viewer));
      expectError(await bad({ open: 'yes' }), 400, 'VAL_INVALID_QUERY');
      expectError(await bad({ endpoint_id: 'nope' }), 400, 'VAL_INVALID_QUERY');
      expectError(await bad({ from: 'yesterday' }), 400, 'VAL_INVALID_QUERY');
      // ISO 8601 that JavaScript cannot read reached the database (422), a signed year was read as the same year AD (200).
      expectError(await bad({ to: '2026-W05' }), 400, 'VAL_INVALID_QUERY');
      expectError(await bad({ from: '-2026-01-01' }), 400, 'VAL_INVALID_QUERY');
      const inverted = expectError(await bad({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }), 400, 'VAL_INVALID_QUERY');
      expect(inverted.details).toEqual([expect.objectContaining({ field: 'from' })]);
      expectError(await bad({ status: 'open' }), 400, 'VAL_INVALID_QUERY');
      expectError(await bad({ sort: 'duration:desc' }), 400, 'VAL_INVALID_QUERY');
      expectError(await world.api.get('/api/v2/incidents').query({ cursor: 'forged.cursor' }).set(as(world.viewer)), 400, 'VAL_INVALID_CURSOR');
    });
  });
});
