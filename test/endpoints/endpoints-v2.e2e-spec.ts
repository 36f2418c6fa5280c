import { EndpointsService } from '@vigil/endpoints';
import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestStack } from '../support/test-app';
import { endpointBody, ENDPOINT_SUITE_ENV, eventually, listenToStatusChanges, query } from './endpoint-fixtures';

const SECRET = 'Bearer v2-s3cr3t-abcdefghijklmnop';

describe('endpoints v2', () => {
  let stack: TestStack;

  const http = () => stack.api.http;
  const post = (path: string, body: unknown) =>
    http()
      .post(`/api/v2/endpoints${path}`)
      .set('X-API-Key', ADMIN_KEY)
      .send(body as object);
  const get = (path: string) => http().get(`/api/v2/endpoints${path}`).set('X-API-Key', ADMIN_KEY);
  const count = async () => (await query(stack.db.url, 'SELECT count(*)::int AS n FROM endpoints'))[0].n as number;
  const storedHeaders = async (id: string) => (await query(stack.db.url, 'SELECT headers FROM endpoints WHERE id = $1', [id]))[0].headers;

  async function create(extra: Record<string, unknown> = {}): Promise<any> {
    const res = await post('', endpointBody(extra));
    expect(res.status).toBe(201);
    return res.body.data;
  }

  /** Follows next_cursor to the end and returns every item seen. */
  async function walk(first: string): Promise<any[]> {
    const seen: any[] = [];
    let url: string | null = first;
    for (let pages = 0; url; pages++) {
      expect(pages).toBeLessThan(50);
      const res: { status: number; body: any } = await http().get(url).set('X-API-Key', ADMIN_KEY);
      expect(res.status).toBe(200);
      seen.push(...expectEnvelope(res.body, '2'));
      url = res.body.pagination.links.next;
    }
    return seen;
  }

  beforeAll(async () => {
    stack = await startTestStack(ENDPOINT_SUITE_ENV);
  });
  afterAll(() => stack?.close());

  describe('single resources', () => {
    it('creates with 201 and a v2 Location, embedding status and last_check (null before any check)', async () => {
      const res = await post('', endpointBody({ headers: { Authorization: SECRET } }));
      expect(res.status).toBe(201);
      const data = expectEnvelope(res.body, '2');
      expect(res.headers.location).toBe(`/api/v2/endpoints/${data.id}`);
      expect(data).toMatchObject({ status: 'pending', last_check: null, headers: { Authorization: 'Bearer ***' }, source: 'api' });
      expect(JSON.stringify(res.body)).not.toContain('s3cr3t');
    });

    it('embeds the last check from the endpoint row once one is recorded', async () => {
      const { id } = await create();
      await query(
        stack.db.url,
        `UPDATE endpoints SET status = 'down', last_checked_at = '2026-11-24T10:00:00.120Z', last_success = false,
           last_status_code = 503, last_response_time_ms = 84, last_reason = 'status_mismatch' WHERE id = $1`,
        [id],
      );
      const data = expectEnvelope((await get(`/${id}`)).body, '2');
      expect(data).toMatchObject({
        status: 'down',
        last_check: { checked_at: '2026-11-24T10:00:00.120Z', success: false, status_code: 503, response_time_ms: 84, reason: 'status_mismatch' },
      });
    });

    it('serves PUT, PATCH, pause, resume and DELETE with the v2 shape and masked headers', async () => {
      const { id } = await create({ headers: { 'X-Api-Key': 'v2-s3cr3t-key' } });
      const responses = [
        await http()
          .put(`/api/v2/endpoints/${id}`)
          .set('X-API-Key', ADMIN_KEY)
          .send(endpointBody({ headers: { 'X-Api-Key': '***' } })),
        await http().patch(`/api/v2/endpoints/${id}`).set('X-API-Key', ADMIN_KEY).send({ interval: 45 }),
        await post(`/${id}/pause`, {}),
        await post(`/${id}/resume`, {}),
        await get(`/${id}`),
      ];
      for (const res of responses) {
        expect(res.status).toBe(200);
        expect(expectEnvelope(res.body, '2')).toHaveProperty('last_check');
        expect(res.body.data.headers).toEqual({ 'X-Api-Key': '***' });
        expect(JSON.stringify(res.body)).not.toContain('s3cr3t');
      }
      expect(responses[2].body.data.status).toBe('paused');
      expect(responses[3].body.data.status).toBe('pending');
      expect(await storedHeaders(id)).toEqual({ 'X-Api-Key': 'v2-s3cr3t-key' });
      expect((await http().delete(`/api/v2/endpoints/${id}`).set('X-API-Key', ADMIN_KEY)).status).toBe(204);
      expectError(await get(`/${id}`), 404, 'RES_NOT_FOUND');
      expectError(await get('/not-a-uuid'), 422, 'VAL_ERROR');
    });

    it('applies the same validation as v1', async () => {
      const res = await post('', endpointBody({ interval: 3, url: 'http://169.254.169.254/' }));
      const err = expectError(res, 422, 'VAL_MULTIPLE_ERRORS');
      expect(err.details.map((d: { field: string }) => d.field).sort()).toEqual(['interval', 'url']);
    });
  });

  describe('cursor list', () => {
    beforeAll(async () => {
      for (let i = 0; i < 7; i++) await create({ name: `CUR ${String(i).padStart(2, '0')}`, tags: ['cursor', i % 2 ? 'odd' : 'even'] });
    });

    it('walks every endpoint exactly once with next_cursor, in the requested order', async () => {
      const first = await get('?tag=cursor&limit=3&sort=name:asc');
      expect(first.body.pagination).toEqual({
        limit: 3,
        has_more: true,
        next_cursor: expect.any(String),
        links: { self: '/api/v2/endpoints?tag=cursor&limit=3&sort=name:asc', next: expect.stringContaining('cursor=') },
      });
      const all = await walk('/api/v2/endpoints?tag=cursor&limit=3&sort=name:desc');
      expect(all.map((e) => e.name)).toEqual(['CUR 06', 'CUR 05', 'CUR 04', 'CUR 03', 'CUR 02', 'CUR 01', 'CUR 00']);
      expect(all.every((e) => 'last_check' in e)).toBe(true);
    });

    it('stays stable when endpoints are created while walking (created_at order)', async () => {
      const page = await get('?tag=cursor&limit=4&sort=created_at:asc');
      const firstNames = page.body.data.map((e: { name: string }) => e.name);
      await create({ name: 'CUR 99', tags: ['cursor'] });
      const rest = await walk(page.body.pagination.links.next);
      const names = [...firstNames, ...rest.map((e) => e.name)];
      expect(new Set(names).size).toBe(names.length);
      expect(names).toEqual(expect.arrayContaining(['CUR 00', 'CUR 06', 'CUR 99']));
    });

    it('pages by status severity with filters', async () => {
      await query(stack.db.url, `UPDATE endpoints SET status = CASE name WHEN 'CUR 01' THEN 'up' ELSE 'down' END WHERE name IN ('CUR 01', 'CUR 03')`);
      const walked = await walk('/api/v2/endpoints?tag=odd&limit=1&sort=status:asc');
      expect(walked.map((e) => e.name)).toEqual(['CUR 03', 'CUR 05', 'CUR 01']);
    });

    it('refuses a cursor presented with other filters, an altered cursor, an unknown sort or filter', async () => {
      const page = await get('?tag=cursor&limit=2');
      const cursor = page.body.pagination.next_cursor as string;
      expectError(await get(`?tag=odd&limit=2&cursor=${cursor}`), 400, 'VAL_INVALID_CURSOR');
      expectError(await get(`?tag=cursor&limit=2&cursor=${cursor.slice(0, -2)}xx`), 400, 'VAL_INVALID_CURSOR');
      expectError(await get('?sort=url:asc'), 400, 'VAL_INVALID_QUERY');
      expectError(await get('?offset=10'), 400, 'VAL_INVALID_QUERY');
    });
  });

  describe('summary', () => {
    beforeAll(async () => {
      const made = await Promise.all([
        create({ tags: ['sum-a', 'sum-b'] }),
        create({ tags: ['sum-a'] }),
        create({ tags: ['sum-b'], is_active: false }),
        create({ tags: ['sum-c'] }),
      ]);
      await query(stack.db.url, `UPDATE endpoints SET status = 'up' WHERE id = $1`, [made[0].id]);
      await query(stack.db.url, `UPDATE endpoints SET status = 'down' WHERE id = $1`, [made[1].id]);
      await query(stack.db.url, `UPDATE endpoints SET status = 'degraded' WHERE id = $1`, [made[3].id]);
    });

    it('counts by status overall (each endpoint once) and per tag', async () => {
      const res = await get('/summary');
      expect(res.status).toBe(200);
      const data = expectEnvelope(res.body, '2');
      const counts = await stack.api.app.get(EndpointsService).countByStatus();
      expect(data).toMatchObject(counts);
      const byTag = Object.fromEntries(data.tags.map((t: { tag: string }) => [t.tag, t]));
      expect(byTag['sum-a']).toEqual({ tag: 'sum-a', total: 2, up: 1, down: 1, degraded: 0, paused: 0, pending: 0 });
      expect(byTag['sum-b']).toEqual({ tag: 'sum-b', total: 2, up: 1, down: 0, degraded: 0, paused: 1, pending: 0 });
      expect(byTag['sum-c']).toEqual({ tag: 'sum-c', total: 1, up: 0, down: 0, degraded: 1, paused: 0, pending: 0 });
      const tags = data.tags.map((t: { tag: string }) => t.tag);
      expect([...tags].sort()).toEqual(tags);
    });

    it('narrows to one tag with ?tag=', async () => {
      const data = expectEnvelope((await get('/summary?tag=SUM-B')).body, '2');
      expect(data).toEqual({
        total: 2,
        up: 1,
        down: 0,
        degraded: 0,
        paused: 1,
        pending: 0,
        tags: [{ tag: 'sum-b', total: 2, up: 1, down: 0, degraded: 0, paused: 1, pending: 0 }],
      });
      expect(expectEnvelope((await get('/summary?tag=no-such-tag')).body, '2')).toEqual({
        total: 0,
        up: 0,
        down: 0,
        degraded: 0,
        paused: 0,
        pending: 0,
        tags: [],
      });
      expectError(await get('/summary?group=x'), 400, 'VAL_INVALID_QUERY');
    });
  });

  describe('bulk', () => {
    const bulk = (body: unknown) => post('/bulk', body);

    it('creates and updates in one request, answering the v2 shape with masked headers', async () => {
      const listener = await listenToStatusChanges(stack.api);
      try {
        const existing = await create({ headers: { Authorization: SECRET } });
        const res = await bulk({
          create: [endpointBody({ name: 'bulk one', headers: { Authorization: SECRET } }), endpointBody({ name: 'bulk two', is_active: false })],
          update: [{ id: existing.id, interval: 120, is_active: false, headers: { Authorization: 'Bearer ***', Accept: '*/*' } }],
        });
        expect(res.status).toBe(200);
        const data = expectEnvelope(res.body, '2');
        expect(data.created.map((e: { name: string }) => e.name)).toEqual(['bulk one', 'bulk two']);
        expect(data.created[0]).toMatchObject({ status: 'pending', last_check: null, headers: { Authorization: 'Bearer ***' } });
        expect(data.created[1]).toMatchObject({ status: 'paused' });
        expect(data.updated).toEqual([
          expect.objectContaining({ id: existing.id, interval: 120, status: 'paused', headers: { Authorization: 'Bearer ***', Accept: '*/*' } }),
        ]);
        expect(JSON.stringify(res.body)).not.toContain('s3cr3t');
        expect(await storedHeaders(existing.id)).toEqual({ Authorization: SECRET, Accept: '*/*' });
        await eventually(() => listener.events.some((e) => e.endpoint_id === existing.id && e.new_status === 'paused'));
      } finally {
        listener.stop();
      }
    });

    it('writes nothing when any item is invalid, and names every bad item', async () => {
      const target = await create();
      const before = await count();
      const res = await bulk({
        create: [endpointBody(), endpointBody(), endpointBody({ interval: 2 }), endpointBody({ colour: 'red' })],
        update: [
          { id: target.id, url: 'http://127.0.0.1/' },
          { id: '00000000-0000-4000-8000-00000000000a', interval: 60 },
        ],
      });
      // The DTO refuses create[3]; the interval under the minimum of create[2] and the blocked url of update[0] are in the same answer
      // (only what needs the database, such as an unknown id, waits for a batch the DTO accepts).
      const err = expectError(res, 422, 'VAL_MULTIPLE_ERRORS');
      expect(Object.fromEntries(err.details.map((d: { field: string; message: string }) => [d.field, d.message]))).toEqual({
        'create[3].colour': 'unknown field colour is not allowed',
        'create[2].interval': 'interval must not be less than 10',
        'update[0].url': expect.stringContaining('127.0.0.1 is a loopback address'),
      });
      const res2 = await bulk({
        create: [endpointBody(), endpointBody(), endpointBody({ interval: 2 })],
        update: [
          { id: target.id, url: 'http://127.0.0.1/' },
          { id: '00000000-0000-4000-8000-00000000000a', interval: 60 },
        ],
      });
      const err2 = expectError(res2, 422, 'VAL_MULTIPLE_ERRORS');
      expect(err2.message).toContain('nothing was written');
      expect(err2.details.map((d: { field: string }) => d.field)).toEqual(['create[2].interval', 'update[0].url', 'update[1].id']);
      expect(await count()).toBe(before);
      expect(expectEnvelope((await get(`/${target.id}`)).body, '2').url).toBe(target.url);
    });

    it('reports intervals under CHECK_MIN_INTERVAL_S in the same answer as the DTO errors of the batch, and writes nothing', async () => {
      const target = await create({ interval: 60 });
      const before = await count();
      const res = await bulk({
        create: [endpointBody({ name: 'bulk-min-a', method: 'NOPE', interval: 5 }), endpointBody({ name: 'bulk-min-b', interval: 30 })],
        update: [{ id: target.id, interval: 3, tags: 'not-a-list' }],
      });
      const err = expectError(res, 422, 'VAL_MULTIPLE_ERRORS');
      expect(err.details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: 'create[0].method' }),
          { field: 'create[0].interval', message: 'interval must not be less than 10', value: 5 },
          expect.objectContaining({ field: 'update[0].tags' }),
          { field: 'update[0].interval', message: 'interval must not be less than 10', value: 3 },
        ]),
      );
      expect(err.details.filter((d: { field: string }) => d.field.startsWith('create[1]'))).toEqual([]);
      expect(await count()).toBe(before);
      expect(expectEnvelope((await get(`/${target.id}`)).body, '2').interval).toBe(60);
    });

    it('refuses names taken twice in the batch or by an existing endpoint, and the same id twice', async () => {
      const a = await create();
      const b = await create();
      const res = await bulk({
        create: [endpointBody({ name: 'dup' }), endpointBody({ name: 'dup' }), endpointBody({ name: a.name })],
        update: [
          { id: b.id, name: a.name },
          { id: b.id, interval: 30 },
        ],
      });
      const err = expectError(res, 422, 'VAL_MULTIPLE_ERRORS');
      expect(err.details.map((d: { field: string }) => d.field).sort()).toEqual(['create[1].name', 'create[2].name', 'update[0].name', 'update[1].id'].sort());
    });

    it('updates an endpoint that keeps its own name', async () => {
      const a = await create();
      const res = await bulk({ update: [{ id: a.id, name: a.name, interval: 300 }] });
      expect(res.status).toBe(200);
      expect(res.body.data.updated[0]).toMatchObject({ name: a.name, interval: 300 });
    });

    it('takes up to 100 items, refuses more, and refuses an empty request', async () => {
      const before = await count();
      const hundred = Array.from({ length: 100 }, (_v, i) => endpointBody({ name: `bulk-100-${i}`, tags: ['bulk-100'] }));
      const ok = await bulk({ create: hundred });
      expect(ok.status).toBe(200);
      expect(ok.body.data.created).toHaveLength(100);
      expect(await count()).toBe(before + 100);

      const tooMany = await bulk({ create: Array.from({ length: 101 }, () => endpointBody()) });
      expect(tooMany.status).toBe(422);
      const split = await bulk({
        create: Array.from({ length: 60 }, () => endpointBody()),
        update: Array.from({ length: 41 }, () => ({ id: ok.body.data.created[0].id })),
      });
      expect(split.status).toBe(422);
      expect(split.body.error.details[0].message).toContain('at most 100');
      expectError(await bulk({}), 422, 'VAL_ERROR');
      expect((await bulk({ create: 'x' })).status).toBe(422);
      expect(await count()).toBe(before + 100);
    });

    it('refuses items that are lists instead of objects with 422 naming create or update, and writes nothing', async () => {
      const before = await count();
      // class-validator walked into the inner list and passed it; the service then read .name / .id of it (500).
      const created = expectError(await bulk({ create: [[endpointBody({ name: 'nested-create' })]] }), 422, 'VAL_ERROR');
      expect(created.details).toEqual([{ field: 'create', message: 'each value in create must be an object' }]);
      // The inner item is validated too (it has no id): both problems are named.
      const updated = expectError(await bulk({ update: [[{ interval: 120 }]] }), 422, 'VAL_MULTIPLE_ERRORS');
      expect(updated.details).toContainEqual({ field: 'update', message: 'each value in update must be an object' });
      expect(await count()).toBe(before);
    });

    it('is for operators and admins only', async () => {
      const { key } = await stack.createKey('viewer');
      expectError(
        await http()
          .post('/api/v2/endpoints/bulk')
          .set('X-API-Key', key)
          .send({ create: [endpointBody()] }),
        403,
        'PERM_DENIED',
      );
    });
  });
});
