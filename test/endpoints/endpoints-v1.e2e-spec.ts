import { AppError } from '@vigil/common';
import { EndpointsService, slotOffsetMs } from '@vigil/endpoints';
import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestStack } from '../support/test-app';
import { endpointBody, ENDPOINT_SUITE_ENV, eventually, listenToStatusChanges, query } from './endpoint-fixtures';

const SECRET = 'Bearer s3cr3t-token-value-1234567890';
const API_KEY_SECRET = 'key-abcdef-0123456789';
const COOKIE_SECRET = 'session=topsecret-cookie';

describe('endpoints v1', () => {
  let stack: TestStack;
  let viewerKey: string;

  const post = (body: unknown) =>
    stack.api.http
      .post('/api/v1/endpoints')
      .set('X-API-Key', ADMIN_KEY)
      .send(body as object);
  const get = (path: string) => stack.api.http.get(`/api/v1/endpoints${path}`).set('X-API-Key', ADMIN_KEY);
  const put = (id: string, body: unknown) =>
    stack.api.http
      .put(`/api/v1/endpoints/${id}`)
      .set('X-API-Key', ADMIN_KEY)
      .send(body as object);
  const patch = (id: string, body: unknown) =>
    stack.api.http
      .patch(`/api/v1/endpoints/${id}`)
      .set('X-API-Key', ADMIN_KEY)
      .send(body as object);
  const action = (id: string, what: 'pause' | 'resume') => stack.api.http.post(`/api/v1/endpoints/${id}/${what}`).set('X-API-Key', ADMIN_KEY);

  async function create(extra: Record<string, unknown> = {}): Promise<any> {
    const res = await post(endpointBody(extra));
    expect(res.status).toBe(201);
    return res.body.data;
  }

  /** The details of a 422, keyed by field. */
  function invalid(res: { status: number; body: any }): Record<string, string> {
    expect(res.status).toBe(422);
    expect(['VAL_ERROR', 'VAL_MULTIPLE_ERRORS']).toContain(res.body.error.code);
    return Object.fromEntries(res.body.error.details.map((d: { field: string; message: string }) => [d.field, d.message]));
  }

  beforeAll(async () => {
    stack = await startTestStack(ENDPOINT_SUITE_ENV);
    viewerKey = (await stack.createKey('viewer')).key;
  });
  afterAll(() => stack?.close());

  describe('create and read', () => {
    it('creates an endpoint with defaults: 201, Location, pending, anchored next slot, source api', async () => {
      const before = Date.now();
      const res = await post({ name: 'Billing API', url: 'https://api.example.com/health' });
      expect(res.status).toBe(201);
      const data = expectEnvelope(res.body);
      expect(res.headers.location).toBe(`/api/v1/endpoints/${data.id}`);
      expect(data).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Billing API',
        url: 'https://api.example.com/health',
        method: 'GET',
        interval: 60,
        timeout: 5,
        expected_status: 200,
        headers: {},
        body: null,
        is_active: true,
        tags: [],
        retry: { count: 0, initial_backoff_ms: 500, factor: 2 },
        assertions: [],
        status: 'pending',
        status_since: expect.any(String),
        next_check_at: expect.any(String),
        source: 'api',
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const next = Date.parse(data.next_check_at);
      expect(next).toBeGreaterThan(before);
      expect(next - before).toBeLessThanOrEqual(60_000 + 1000);
      expect((next - slotOffsetMs(data.id, 60)) % 60_000).toBe(0);

      const got = await get(`/${data.id}`);
      expect(got.status).toBe(200);
      expect(expectEnvelope(got.body)).toEqual(data);
    });

    it('keeps every field given: fractional timeout, mixed expected_status, tags lower-cased once, retry, assertions', async () => {
      const data = await create({
        method: 'post',
        interval: 30,
        timeout: 2.5,
        expected_status: ['2XX', 304],
        headers: { Accept: 'application/json', 'Content-Type': 'text/plain' },
        body: 'ping',
        is_active: true,
        tags: ['Prod', 'prod', ' Team:Payments '],
        retry: { count: 2 },
        assertions: [
          { type: 'status', operator: 'in', value: [200, 204] },
          { type: 'response_time', operator: 'lt', value: 800 },
          { type: 'header', name: 'content-type', operator: 'contains', value: 'json' },
          { type: 'body', operator: 'matches', value: '"status":\\s*"UP"' },
          { type: 'json_path', path: '$.items.length', operator: 'gt', value: 0 },
          { type: 'json_path', path: '$.status', operator: 'exists' },
          { type: 'tls_cert_days', operator: 'gte', value: 14 },
        ],
      });
      expect(data).toMatchObject({
        method: 'POST',
        interval: 30,
        timeout: 2.5,
        expected_status: ['2xx', 304],
        body: 'ping',
        tags: ['prod', 'team:payments'],
        retry: { count: 2, initial_backoff_ms: 500, factor: 2 },
      });
      expect(data.assertions).toHaveLength(7);
      expect(data.assertions[4]).toEqual({ type: 'json_path', path: '$.items.length', operator: 'gt', value: 0 });
      expect(data.assertions[5]).toEqual({ type: 'json_path', path: '$.status', operator: 'exists' });
      const [row] = await query(stack.db.url, 'SELECT timeout_ms, interval_s FROM endpoints WHERE id = $1', [data.id]);
      expect(row).toEqual({ timeout_ms: 2500, interval_s: 30 });
    });

    it('stores a JSON body as a string and sends it as JSON', async () => {
      const data = await create({ method: 'POST', body: { ping: 'test', n: 1 } });
      expect(data.body).toBe('{"ping":"test","n":1}');
      expect(data.headers).toEqual({ 'Content-Type': 'application/json' });
    });

    it('halves the default timeout when the interval is short', async () => {
      expect((await create({ interval: 10 })).timeout).toBe(5);
      expect((await create({ interval: 10, timeout: 9.999 })).timeout).toBe(9.999);
    });

    it('creates a paused endpoint when is_active is false', async () => {
      const data = await create({ is_active: false });
      expect(data).toMatchObject({ is_active: false, status: 'paused', next_check_at: null });
    });

    it('answers 404 for an unknown id and 422 for an id that is not a UUID', async () => {
      expectError(await get('/00000000-0000-4000-8000-000000000000'), 404, 'RES_NOT_FOUND');
      const err = expectError(await get('/42'), 422, 'VAL_ERROR');
      expect(err.details).toEqual([expect.objectContaining({ field: 'id' })]);
      expectError(await patch('not-a-uuid', { interval: 60 }), 422, 'VAL_ERROR');
      expectError(await stack.api.http.delete('/api/v1/endpoints/xyz').set('X-API-Key', ADMIN_KEY), 422, 'VAL_ERROR');
    });

    it('lets a viewer read but not write', async () => {
      const { id } = await create();
      expect((await stack.api.http.get(`/api/v1/endpoints/${id}`).set('X-API-Key', viewerKey)).status).toBe(200);
      expectError(await stack.api.http.post('/api/v1/endpoints').set('X-API-Key', viewerKey).send(endpointBody()), 403, 'PERM_DENIED');
      expectError(await stack.api.http.post(`/api/v1/endpoints/${id}/pause`).set('X-API-Key', viewerKey), 403, 'PERM_DENIED');
    });
  });

  describe('validation', () => {
    it('refuses an unknown field, naming it', async () => {
      const details = invalid(await post(endpointBody({ colour: 'red' })));
      expect(details).toEqual({ colour: 'unknown field colour is not allowed' });
    });

    it('refuses a missing or duplicate name: 422, then 409 RES_ALREADY_EXISTS', async () => {
      expect(invalid(await post({ url: 'https://a.example.com/' }))).toHaveProperty('name');
      expect(invalid(await post(endpointBody({ name: '   ' })))).toHaveProperty('name');
      expect(invalid(await post(endpointBody({ name: 'bell\u0007' })))).toEqual({ name: 'name must not contain control characters' });
      await create({ name: 'Unique One' });
      const err = expectError(await post(endpointBody({ name: 'Unique One' })), 409, 'RES_ALREADY_EXISTS');
      expect(err.details).toEqual([expect.objectContaining({ field: 'name' })]);
    });

    it.each([
      ['below the configured minimum', 5, 'interval must not be less than 10'],
      ['not a whole number', 30.5, 'interval must be an integer number'],
      ['above a day', 86_401, 'interval must not be greater than 86400'],
      ['a string', '60', 'interval must be an integer number'],
    ])('refuses an interval %s', async (_what, interval, message) => {
      expect(invalid(await post(endpointBody({ interval })))).toEqual({ interval: expect.stringContaining(message) });
    });

    it.each([
      ['zero', 0],
      ['negative', -1],
      ['over 60 s', 61],
      ['equal to the interval', 30],
      ['longer than the interval', 45],
      // JavaScript prints it as 1e-25: class-validator's decimal count threw on it (500).
      ['finer than a millisecond, in exponent form', 1e-25],
    ])('refuses a timeout that is %s', async (_what, timeout) => {
      expect(invalid(await post(endpointBody({ interval: 30, timeout })))).toHaveProperty('timeout');
    });

    it.each([['abc'], [700], [99], [['2xx', 'oops']], [{ code: 200 }], ['200'], [true]])('refuses expected_status %j', async (expected_status) => {
      expect(invalid(await post(endpointBody({ expected_status })))).toEqual({ expected_status: expect.stringContaining('must be a status code') });
    });

    it('refuses an empty expected_status list', async () => {
      expect(invalid(await post(endpointBody({ expected_status: [] })))).toEqual({ expected_status: 'expected_status must list 1 to 20 items' });
    });

    it.each([
      ['ftp://files.example.com/', 'must use http or https'],
      ['not a url', 'must be an absolute http or https URL'],
      ['https://user:pw@api.example.com/', 'must not carry credentials'],
      ['', 'must be an http or https URL'],
    ])('refuses the url %j', async (url, message) => {
      expect(invalid(await post(endpointBody({ url })))).toEqual({ url: expect.stringContaining(message) });
    });

    it.each([
      ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
      ['http://127.0.0.1:8080/health', 'loopback'],
      ['http://[::1]/', 'loopback'],
      ['http://10.1.2.3/', 'private'],
      ['http://localhost:3000/', 'loopback'],
    ])('refuses the literal blocked host of %s', async (url, label) => {
      const details = invalid(await post(endpointBody({ url })));
      expect(details.url).toContain(label);
      expect(details.url).toContain('VIGIL_TARGET_ALLOWLIST');
    });

    it('accepts a loopback target when VIGIL_TARGET_ALLOWLIST covers it, but never the metadata address through a range', async () => {
      const allowing = await stack.startInstance({ ...ENDPOINT_SUITE_ENV, VIGIL_TARGET_ALLOWLIST: '127.0.0.0/8,169.254.0.0/16' });
      const res = await allowing.http
        .post('/api/v1/endpoints')
        .set('X-API-Key', ADMIN_KEY)
        .send(endpointBody({ url: 'http://127.0.0.1:8080/health' }));
      expect(res.status).toBe(201);
      const meta = await allowing.http
        .post('/api/v1/endpoints')
        .set('X-API-Key', ADMIN_KEY)
        .send(endpointBody({ url: 'http://169.254.169.254/' }));
      expect(invalid(meta).url).toContain('cloud metadata');
    });

    it('refuses an unknown method', async () => {
      expect(invalid(await post(endpointBody({ method: 'TRACE' })))).toHaveProperty('method');
    });

    it.each([
      ['a non-string value', { 'X-Count': 3 }, 'value of "X-Count" must be a string'],
      ['a header the client sets itself', { 'Content-Length': '10' }, 'must not set "Content-Length"'],
      ['an invalid name', { 'Bad Header': 'x' }, 'invalid header name'],
      ['the same name twice', { Accept: 'a', accept: 'b' }, 'twice'],
      ['a line break', { 'X-A': 'a\r\nInjected: 1' }, 'line breaks'],
      ['an array', ['Accept: x'], 'must be an object'],
    ])('refuses headers with %s', async (_what, headers, message) => {
      expect(invalid(await post(endpointBody({ headers })))).toEqual({ headers: expect.stringContaining(message) });
    });

    it('refuses a body with GET, a body that is too large, and a body that is a number', async () => {
      expect(invalid(await post(endpointBody({ body: 'x' })))).toEqual({ body: 'body is not allowed with GET' });
      expect(invalid(await post(endpointBody({ method: 'POST', body: 'x'.repeat(65_537) })))).toHaveProperty('body');
      expect(invalid(await post(endpointBody({ method: 'POST', body: 42 })))).toHaveProperty('body');
    });

    it('refuses bad tags and a bad retry policy, naming the field', async () => {
      expect(invalid(await post(endpointBody({ tags: ['ok', 'not ok!'] })))).toHaveProperty('tags');
      expect(invalid(await post(endpointBody({ tags: Array.from({ length: 21 }, (_v, i) => `t${i}`) })))).toHaveProperty('tags');
      expect(invalid(await post(endpointBody({ retry: { count: 6 } })))).toHaveProperty(['retry.count']);
      expect(invalid(await post(endpointBody({ retry: { count: 1, jitter: true } })))).toEqual({ 'retry.jitter': 'unknown field jitter is not allowed' });
      expect(invalid(await post(endpointBody({ retry: 3 })))).toHaveProperty('retry');
    });

    it('names the bad assertion item and field', async () => {
      const details = invalid(
        await post(
          endpointBody({
            assertions: [
              { type: 'status', operator: 'eq', value: 200 },
              { type: 'status', operator: 'contains', value: 200 },
              { type: 'json_path', path: 'status', operator: 'eq', value: 'UP' },
              { type: 'response_time', operator: 'lt', value: 'fast' },
              { type: 'ping', operator: 'eq' },
              { type: 'header', operator: 'exists' },
              { type: 'body', operator: 'matches', value: '([unclosed' },
              { type: 'body', operator: 'contains', value: 'x', path: '$.a' },
              { type: 'status', operator: 'in', value: 200 },
              { type: 'json_path', path: '$.ok', operator: 'exists', value: true },
              { type: 'status', operator: 'eq', value: 200, extra: 1 },
            ],
          }),
        ),
      );
      expect(details).toEqual({
        'assertions[1].operator': 'operator must be one of eq, ne, lt, lte, gt, gte, in for a status assertion',
        'assertions[2].path': expect.stringContaining('must be a JSON path'),
        'assertions[3].value': expect.stringContaining('milliseconds'),
        'assertions[4].type': expect.stringContaining('type must be one of'),
        'assertions[5].name': 'name must be a header name',
        'assertions[6].value': 'value must be a valid regular expression',
        'assertions[7].path': 'path is only allowed in json_path assertions',
        'assertions[8].value': expect.stringContaining('list of 1 to 20 status codes'),
        'assertions[9].value': 'value must be left out with the exists operator',
        'assertions[10].extra': 'unknown field extra is not allowed',
      });
    });

    it('refuses a json_path value too large for a number (1e309) instead of storing it as null', async () => {
      const name = 'json-path-infinity';
      const body = JSON.stringify(endpointBody({ name, assertions: [{ type: 'json_path', path: '$.n', operator: 'eq', value: '__N__' }] })).replace(
        '"__N__"',
        '1e309',
      );
      const res = await stack.api.http.post('/api/v1/endpoints').set('X-API-Key', ADMIN_KEY).set('Content-Type', 'application/json').send(body);
      expect(invalid(res)).toEqual({ 'assertions[0].value': 'value must be a finite number' });
      expect((await get(`?search=${name}`)).body.pagination.total).toBe(0);
    });

    it('refuses an assertion that is a list instead of an object, and creates nothing', async () => {
      // class-validator walked into the inner list and passed it: the endpoint was stored with an assertion {} (201).
      for (const assertions of [[[{ type: 'status', operator: 'eq', value: 200 }]], [[]]]) {
        const name = `nested-assertions-${assertions.length}-${JSON.stringify(assertions).length}`;
        expect(invalid(await post(endpointBody({ name, assertions })))).toEqual({ assertions: 'each value in assertions must be an object' });
        expect((await get(`?search=${name}`)).body.pagination.total).toBe(0);
      }
    });

    it('accepts the JSON paths a check can evaluate, and refuses the others with the parser reason in the envelope', async () => {
      const paths = ['$.items[-1].id', `$['display name']`, '$.café', '$.@type'];
      const created = await create({ name: 'json-paths', assertions: paths.map((path) => ({ type: 'json_path', path, operator: 'exists' })) });
      expect(created.assertions.map((a: { path: string }) => a.path)).toEqual(paths);

      const res = await post(
        endpointBody({
          assertions: [
            { type: 'status', operator: 'eq', value: 200 },
            { type: 'json_path', path: '$..id', operator: 'exists' },
          ],
        }),
      );
      const error = expectError(res, 422, 'VAL_ERROR');
      expect(error.details).toEqual([
        {
          field: 'assertions[1].path',
          message: 'path must be a JSON path such as $.status, $.items[0].id or $.items.length (recursive descent ("..") is not supported, at position 1)',
          value: '$..id',
        },
      ]);
    });

    it('refuses a tls_cert_days assertion on an http url, and an assertion that is not an object', async () => {
      const details = invalid(await post(endpointBody({ url: 'http://api.example.com/', assertions: [{ type: 'tls_cert_days', operator: 'gte', value: 7 }] })));
      expect(details).toEqual({ 'assertions[0].type': 'a tls_cert_days assertion needs an https url' });
      expect(Object.keys(invalid(await post(endpointBody({ assertions: [null] })))).join()).toContain('assertions');
      expect(Object.keys(invalid(await post(endpointBody({ assertions: 'status' })))).join()).toContain('assertions');
    });

    it('reports an interval under CHECK_MIN_INTERVAL_S in the same answer as the DTO errors (POST, PUT, PATCH), and writes nothing', async () => {
      const below = { field: 'interval', message: 'interval must not be less than 10', value: 5 };
      const body = endpointBody({ name: 'min-interval-with-bad-method', method: 'NOPE', interval: 5 });
      const err = expectError(await post(body), 422, 'VAL_MULTIPLE_ERRORS');
      expect(err.details).toEqual([{ field: 'method', message: expect.stringContaining('method must be one of'), value: 'NOPE' }, below]);
      expect(await query(stack.db.url, 'SELECT id FROM endpoints WHERE name = $1', [body.name])).toEqual([]);

      const { id } = await create({ interval: 60 });
      for (const res of [await put(id, { ...body, name: 'renamed' }), await patch(id, { method: 'NOPE', interval: 5 })]) {
        expect(expectError(res, 422, 'VAL_MULTIPLE_ERRORS').details).toEqual([expect.objectContaining({ field: 'method' }), below]);
      }
      expect(expectEnvelope((await get(`/${id}`)).body)).toMatchObject({ interval: 60, method: 'GET' });
    });

    it('reports the rules across fields (timeout vs interval, blocked literal host, body with GET, TLS on http) with the DTO errors, and writes nothing', async () => {
      const body = endpointBody({ name: 'rules-with-bad-tags', tags: 'x', url: 'http://10.1.2.3/', interval: 20, timeout: 20, body: 'ping' });
      const err = expectError(await post(body), 422, 'VAL_MULTIPLE_ERRORS');
      expect(err.details).toEqual([
        // One problem for a string where a list belongs, not also the list checks it cannot pass.
        { field: 'tags', message: 'tags must be an array', value: 'x' },
        { field: 'timeout', message: 'timeout must be less than the interval (20 s)', value: 20 },
        { field: 'url', message: expect.stringContaining('10.1.2.3 is a private address') },
        { field: 'body', message: 'body is not allowed with GET' },
      ]);
      expect(await query(stack.db.url, 'SELECT id FROM endpoints WHERE name = $1', [body.name])).toEqual([]);
      const { id } = await create({ interval: 60 });
      const tls = { assertions: [{ type: 'tls_cert_days', operator: 'gte', value: 7 }], url: 'http://api.example.com/' };
      expect(expectError(await patch(id, { ...tls, method: 'NOPE' }), 422, 'VAL_MULTIPLE_ERRORS').details).toEqual([
        expect.objectContaining({ field: 'method' }),
        { field: 'assertions[0].type', message: 'a tls_cert_days assertion needs an https url' },
      ]);
    });

    it('lists every problem of one request at once', async () => {
      const res = await post({ name: '', url: 'ftp://x', interval: 0, method: 'NOPE' });
      const err = expectError(res, 422, 'VAL_MULTIPLE_ERRORS');
      expect(err.details.map((d: { field: string }) => d.field).sort()).toEqual(['interval', 'method', 'name', 'url']);
    });
  });

  describe('list', () => {
    let ids: Record<string, string>;

    beforeAll(async () => {
      const made = await Promise.all([
        create({ name: 'LIST alpha', url: 'https://alpha.example.com/health', tags: ['listing', 'blue'] }),
        create({ name: 'LIST beta', url: 'https://beta.example.com/100%_up', tags: ['listing'] }),
        create({ name: 'LIST gamma', url: 'https://gamma.example.com/', tags: ['listing', 'blue'], is_active: false }),
        create({ name: 'LIST delta', url: 'https://delta.example.com/', tags: ['listing'] }),
      ]);
      ids = Object.fromEntries(made.map((e) => [e.name.split(' ')[1], e.id]));
      await query(stack.db.url, `UPDATE endpoints SET status = 'down' WHERE id = $1`, [ids.beta]);
      await query(stack.db.url, `UPDATE endpoints SET status = 'up' WHERE id = $1`, [ids.delta]);
    });

    const names = (res: any) => res.body.data.map((e: { name: string }) => e.name);

    it('pages with offset pagination and links that keep the filters', async () => {
      const res = await get('?tag=listing&limit=3&sort=name:asc');
      expect(res.status).toBe(200);
      expect(names(res)).toEqual(['LIST alpha', 'LIST beta', 'LIST delta']);
      expect(res.body.pagination).toMatchObject({ page: 1, per_page: 3, total: 4, total_pages: 2, has_next: true, has_prev: false });
      expect(res.body.pagination.links.next).toBe('/api/v1/endpoints?tag=listing&limit=3&sort=name%3Aasc&offset=3');
      const next = await get(res.body.pagination.links.next.replace('/api/v1/endpoints', ''));
      expect(names(next)).toEqual(['LIST gamma']);
    });

    it('filters by tag (case-insensitive), active and status', async () => {
      expect(names(await get('?tag=BLUE&sort=name:asc'))).toEqual(['LIST alpha', 'LIST gamma']);
      expect(names(await get('?tag=listing&active=false'))).toEqual(['LIST gamma']);
      expect(names(await get('?tag=listing&active=true&sort=name:desc'))).toEqual(['LIST delta', 'LIST beta', 'LIST alpha']);
      expect(names(await get('?tag=listing&status=down'))).toEqual(['LIST beta']);
      expect(names(await get('?tag=listing&status=paused'))).toEqual(['LIST gamma']);
    });

    it('searches name and url case-insensitively, with % and _ taken literally', async () => {
      expect(names(await get('?search=list%20ALPHA'))).toEqual(['LIST alpha']);
      expect(names(await get('?search=GAMMA.example'))).toEqual(['LIST gamma']);
      expect(names(await get(`?search=${encodeURIComponent('100%_up')}`))).toEqual(['LIST beta']);
      expect(names(await get(`?search=${encodeURIComponent('%')}&tag=listing`))).toEqual(['LIST beta']);
      expect((await get('?search=nothing-like-this')).body).toMatchObject({ data: [], pagination: { total: 0 } });
    });

    it('sorts by status severity: down, degraded, pending, up, paused', async () => {
      expect(names(await get('?tag=listing&sort=status:asc'))).toEqual(['LIST beta', 'LIST alpha', 'LIST delta', 'LIST gamma']);
      expect(names(await get('?tag=listing&sort=status:desc,name:asc'))).toEqual(['LIST gamma', 'LIST delta', 'LIST alpha', 'LIST beta']);
    });

    it('sorts by created_at, newest first by default', async () => {
      const res = await get('?tag=listing');
      const created = res.body.data.map((e: { created_at: string }) => e.created_at);
      expect([...created].sort().reverse()).toEqual(created);
    });

    it.each([
      ['an unknown filter', '?colour=red', 'colour'],
      ['an unknown sort field', '?sort=url:asc', 'sort'],
      ['a bad status', '?status=sleeping', 'status'],
      ['a bad active', '?active=maybe', 'active'],
      ['a limit over 100', '?limit=101', 'limit'],
      ['a repeated tag', '?tag=a&tag=b', 'tag'],
    ])('answers 400 VAL_INVALID_QUERY for %s', async (_what, q, field) => {
      const err = expectError(await get(q), 400, 'VAL_INVALID_QUERY');
      expect(err.details.map((d: { field: string }) => d.field)).toContain(field);
    });
  });

  describe('replace, update, delete', () => {
    it('PUT replaces the definition: fields left out go back to their defaults', async () => {
      const { id } = await create({ interval: 30, timeout: 3, tags: ['x'], retry: { count: 3 }, expected_status: '2xx' });
      const res = await put(id, { name: 'Replaced', url: 'https://replaced.example.com/' });
      expect(res.status).toBe(200);
      expect(expectEnvelope(res.body)).toMatchObject({
        id,
        name: 'Replaced',
        url: 'https://replaced.example.com/',
        interval: 60,
        timeout: 5,
        tags: [],
        retry: { count: 0 },
        expected_status: 200,
      });
      expect(invalid(await put(id, { name: 'No url' }))).toHaveProperty('url');
    });

    it('PATCH changes only the fields sent and checks them against the rest', async () => {
      const created = await create({ interval: 30, timeout: 3, tags: ['keep'] });
      const res = await patch(created.id, { url: 'https://patched.example.com/' });
      expect(res.status).toBe(200);
      const data = expectEnvelope(res.body);
      expect(data).toMatchObject({ url: 'https://patched.example.com/', interval: 30, timeout: 3, tags: ['keep'], name: created.name });
      expect(Date.parse(data.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
      // A new interval shorter than the stored timeout is caught.
      expect(invalid(await patch(created.id, { interval: 10, timeout: 10 }))).toHaveProperty('timeout');
      expect(invalid(await patch(created.id, { interval: 2 }))).toHaveProperty('interval');
    });

    it('PATCH refuses null for a required field and removes the body with null', async () => {
      const { id } = await create({ method: 'POST', body: 'hello' });
      expect(invalid(await patch(id, { name: null }))).toHaveProperty('name');
      expect(invalid(await patch(id, { interval: null }))).toHaveProperty('interval');
      expect(expectEnvelope((await patch(id, { body: null })).body).body).toBeNull();
    });

    it('PATCH to a name another endpoint has is 409; to its own name is fine', async () => {
      const a = await create();
      const b = await create();
      expectError(await patch(b.id, { name: a.name }), 409, 'RES_ALREADY_EXISTS');
      expect((await patch(a.id, { name: a.name })).status).toBe(200);
    });

    it('moves the schedule to the new anchor when the interval changes', async () => {
      const { id } = await create({ interval: 60 });
      const data = expectEnvelope((await patch(id, { interval: 17 })).body);
      const next = Date.parse(data.next_check_at);
      expect((next - slotOffsetMs(id, 17)) % 17_000).toBe(0);
      expect(next - Date.now()).toBeLessThanOrEqual(17_000);
    });

    it('answers 404 for PUT, PATCH and DELETE of an unknown endpoint', async () => {
      const unknown = '00000000-0000-4000-8000-000000000001';
      expectError(await put(unknown, endpointBody()), 404, 'RES_NOT_FOUND');
      expectError(await patch(unknown, { interval: 60 }), 404, 'RES_NOT_FOUND');
      expectError(await stack.api.http.delete(`/api/v1/endpoints/${unknown}`).set('X-API-Key', ADMIN_KEY), 404, 'RES_NOT_FOUND');
    });

    it('DELETE answers 204 with no body, then the endpoint is gone', async () => {
      const { id } = await create();
      const res = await stack.api.http.delete(`/api/v1/endpoints/${id}`).set('X-API-Key', ADMIN_KEY);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectError(await get(`/${id}`), 404, 'RES_NOT_FOUND');
    });
  });

  describe('credential-like headers', () => {
    const headers = { Authorization: SECRET, 'X-API-Key': API_KEY_SECRET, Cookie: COOKIE_SECRET, Accept: 'application/json' };
    const masked = { Authorization: 'Bearer ***', 'X-API-Key': '***', Cookie: '***', Accept: 'application/json' };
    const leaks = (body: unknown) => [SECRET, 's3cr3t', API_KEY_SECRET, COOKIE_SECRET].filter((s) => JSON.stringify(body).includes(s));
    const stored = async (id: string) => (await query(stack.db.url, 'SELECT headers FROM endpoints WHERE id = $1', [id]))[0].headers;

    it('stores them as given but masks them in create, get, list, PUT, PATCH, pause and resume responses', async () => {
      const res = await post(endpointBody({ name: 'secretive', headers, tags: ['secretive'] }));
      expect(res.body.data.headers).toEqual(masked);
      const id = res.body.data.id;
      expect(await stored(id)).toEqual(headers);

      const responses = [
        res,
        await get(`/${id}`),
        await get('?tag=secretive'),
        await put(id, endpointBody({ name: 'secretive', headers, tags: ['secretive'] })),
        await patch(id, { interval: 120 }),
        await action(id, 'pause'),
        await action(id, 'resume'),
      ];
      for (const r of responses) {
        expect(r.status).toBeLessThan(300);
        expect(leaks(r.body)).toEqual([]);
      }
      expect((await get('?tag=secretive')).body.data[0].headers).toEqual(masked);
    });

    it('keeps the stored secret when a PUT or PATCH sends the masked value back, and takes a new value when sent', async () => {
      const { id, headers: shown } = await create({ headers });
      const res = await put(id, endpointBody({ headers: shown }));
      expect(res.status).toBe(200);
      expect(await stored(id)).toEqual(headers);

      await patch(id, { headers: { ...shown, Authorization: '***' } });
      expect((await stored(id)).Authorization).toBe(SECRET);

      await patch(id, { headers: { ...shown, Authorization: 'Bearer rotated' } });
      expect(await stored(id)).toEqual({ ...headers, Authorization: 'Bearer rotated' });
    });

    it('refuses a masked value with no stored secret behind it, and never stores ***', async () => {
      const details = invalid(await post(endpointBody({ headers: { 'X-Auth-Token': '***' } })));
      expect(details.headers).toContain('X-Auth-Token');
      const { id } = await create({ headers: { Accept: 'text/plain' } });
      expect(invalid(await patch(id, { headers: { Authorization: 'Bearer ***' } }))).toHaveProperty('headers');
      expect(await stored(id)).toEqual({ Accept: 'text/plain' });
    });

    it('never echoes a secret header value in a validation error', async () => {
      const res = await post(endpointBody({ headers: { Authorization: `${SECRET}\n` } }));
      expect(res.status).toBe(422);
      expect(leaks(res.body)).toEqual([]);
    });
  });

  describe('pause and resume', () => {
    it('pause makes the endpoint paused and publishes the change; resume makes it pending on its next slot', async () => {
      const listener = await listenToStatusChanges(stack.api);
      try {
        const created = await create();
        const paused = await action(created.id, 'pause');
        expect(paused.status).toBe(200);
        expect(expectEnvelope(paused.body)).toMatchObject({ id: created.id, is_active: false, status: 'paused', next_check_at: null });
        await eventually(() => listener.events.some((e) => e.endpoint_id === created.id && e.new_status === 'paused'));
        expect(listener.events.find((e) => e.endpoint_id === created.id)).toMatchObject({
          endpoint_name: created.name,
          old_status: 'pending',
          new_status: 'paused',
          changed_at: expect.any(String),
        });

        // Pausing twice changes nothing and publishes nothing more.
        const again = await action(created.id, 'pause');
        expect(again.body.data.status_since).toBe(paused.body.data.status_since);

        const resumed = await action(created.id, 'resume');
        const data = expectEnvelope(resumed.body);
        expect(data).toMatchObject({ is_active: true, status: 'pending' });
        expect((Date.parse(data.next_check_at) - slotOffsetMs(created.id, 60)) % 60_000).toBe(0);
        await eventually(() => listener.events.some((e) => e.endpoint_id === created.id && e.new_status === 'pending'));
        expect(listener.events.filter((e) => e.endpoint_id === created.id).map((e) => [e.old_status, e.new_status])).toEqual([
          ['pending', 'paused'],
          ['paused', 'pending'],
        ]);
      } finally {
        listener.stop();
      }
    });

    it('PATCH is_active=false pauses too, and publishes', async () => {
      const listener = await listenToStatusChanges(stack.api);
      try {
        const { id } = await create();
        await query(stack.db.url, `UPDATE endpoints SET status = 'up' WHERE id = $1`, [id]);
        expect(expectEnvelope((await patch(id, { is_active: false })).body)).toMatchObject({ status: 'paused' });
        await eventually(() => listener.events.some((e) => e.endpoint_id === id && e.old_status === 'up' && e.new_status === 'paused'));
        expect(expectEnvelope((await patch(id, { is_active: true })).body)).toMatchObject({ status: 'pending' });
      } finally {
        listener.stop();
      }
    });

    it('a paused endpoint can still be read, edited and deleted; actions needing an active one get BIZ_ENDPOINT_PAUSED', async () => {
      const { id } = await create({ is_active: false });
      expect((await get(`/${id}`)).status).toBe(200);
      expect(expectEnvelope((await patch(id, { interval: 90 })).body)).toMatchObject({ interval: 90, status: 'paused' });
      const service = stack.api.app.get(EndpointsService);
      const err = await service.getActiveOrThrow(id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('BIZ_ENDPOINT_PAUSED');
      expect((err as AppError).status).toBe(409);
      await action(id, 'resume');
      expect((await service.getActiveOrThrow(id)).id).toBe(id);
    });

    it('answers 404 for pause and resume of an unknown endpoint', async () => {
      expectError(await action('00000000-0000-4000-8000-000000000002', 'pause'), 404, 'RES_NOT_FOUND');
      expectError(await action('00000000-0000-4000-8000-000000000002', 'resume'), 404, 'RES_NOT_FOUND');
    });
  });

  it('countByStatus counts every endpoint once by status', async () => {
    const counts = await stack.api.app.get(EndpointsService).countByStatus();
    const [row] = await query(
      stack.db.url,
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'paused')::int AS paused, count(*) FILTER (WHERE status = 'pending')::int AS pending FROM endpoints`,
    );
    expect(counts).toMatchObject(row);
    expect(counts.total).toBe(counts.up + counts.down + counts.degraded + counts.paused + counts.pending);
  });
});
