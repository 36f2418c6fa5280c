import net from 'node:net';
import { parseAnswer, rawExchange, type RawAnswer } from '../support/raw-http';
import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestStack } from '../support/test-app';

/** A keep-alive connection on which requests are sent one at a time. */
async function keepAliveConnection(url: string): Promise<{ get(path: string): Promise<string>; close(): void }> {
  const { port, hostname } = new URL(url);
  const socket = net.connect({ port: Number(port), host: hostname });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return {
    get: (path) =>
      new Promise((resolve) => {
        let text = '';
        const onData = (c: Buffer) => {
          text += c.toString('utf8');
          const head = parseAnswer(text);
          if (text.includes('\r\n\r\n') && Buffer.byteLength(head.body) >= Number(head.headers['content-length'] ?? 0)) {
            socket.off('data', onData);
            resolve(head.statusLine);
          }
        };
        socket.on('data', onData);
        socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
      }),
    close: () => socket.destroy(),
  };
}

describe('envelope and error families', () => {
  let stack: TestStack;
  let viewer: string;

  beforeAll(async () => {
    stack = await startTestStack();
    viewer = (await stack.createKey('viewer')).key;
  });
  afterAll(() => stack?.close());

  it('wraps a success in the envelope with request id, version and timing', async () => {
    const res = await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', ADMIN_KEY);
    expect(res.status).toBe(200);
    const data = expectEnvelope(res.body, '1');
    expect(data).toMatchObject({ role: 'admin', name: 'bootstrap' });
    expect(res.headers['x-request-id']).toBe(res.body.meta.request_id);
    expect(res.body).not.toHaveProperty('pagination');
  });

  it('writes the JSON answer with its charset, an exact Content-Length and the handler status; HEAD gets the headers only', async () => {
    const get = await rawExchange(stack.api.url, `GET /api/v1/auth/me HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${ADMIN_KEY}\r\nConnection: close\r\n\r\n`);
    expect(get.statusLine).toBe('HTTP/1.1 200 OK');
    expect(get.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(get.headers['content-length'])).toBe(Buffer.byteLength(get.body));
    expect(get.headers).not.toHaveProperty('etag');
    expect(JSON.parse(get.body)).toMatchObject({ success: true, data: { role: 'admin' } });

    const head = await rawExchange(stack.api.url, `HEAD /api/v1/auth/me HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${ADMIN_KEY}\r\nConnection: close\r\n\r\n`);
    expect(head.statusLine).toBe('HTTP/1.1 200 OK');
    expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(head.body).toBe('');

    const created = await stack.api.http.post('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY).send({ name: 'reply-path', role: 'viewer' });
    expect(created.status).toBe(201);
    expect(created.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(created.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(created.body)));
  });

  it('answers v2 routes with api_version "2"', async () => {
    const res = await stack.api.http.get('/api/v2/auth/me').set('X-API-Key', ADMIN_KEY);
    expect(res.status).toBe(200);
    expectEnvelope(res.body, '2');
  });

  it('echoes a sane X-Request-ID and replaces an unsafe one', async () => {
    const sane = await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', ADMIN_KEY).set('X-Request-ID', 'ci-run.42_a-b');
    expect(sane.headers['x-request-id']).toBe('ci-run.42_a-b');
    expect(sane.body.meta.request_id).toBe('ci-run.42_a-b');
    const unsafe = await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', ADMIN_KEY).set('X-Request-ID', 'bad id with spaces<script>');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const onError = await stack.api.http.get('/api/v1/nope').set('X-Request-ID', 'err-trace-1');
    expect(onError.headers['x-request-id']).toBe('err-trace-1');
    expect(onError.body.meta.request_id).toBe('err-trace-1');
  });

  it('answers an unknown route with 404 RES_NOT_FOUND in the envelope', async () => {
    const res = await stack.api.http.get('/api/v1/no-such-thing').set('X-API-Key', ADMIN_KEY);
    expectError(res, 404, 'RES_NOT_FOUND');
    expect(res.body.error.message).toContain('/api/v1/no-such-thing');
  });

  it('answers an unknown route outside /api with 404 RES_NOT_FOUND in the envelope, not an HTML page', async () => {
    // Nest's not-found handler covers /api only: these were Express's text/html "Cannot GET /x".
    for (const [method, path] of [
      ['get', '/x'],
      ['get', '/favicon.ico'],
      ['get', '/docs/no-such-page'],
      ['get', '/health%00'],
      ['get', '/ws/live'],
      ['post', '/x'],
    ] as const) {
      const res = await stack.api.http[method](path).set('X-Request-ID', 'unknown-route-1');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const error = expectError(res, 404, 'RES_NOT_FOUND');
      expect(error.message).toBe(`Route ${method.toUpperCase()} ${path} not found`);
      expect(res.body.meta).toMatchObject({ request_id: 'unknown-route-1', api_version: null });
    }
    // What is there still answers.
    expect((await stack.api.http.get('/health')).status).toBe(200);
    expect((await stack.api.http.get('/docs/errors')).status).toBe(200);
    expect((await stack.api.http.get('/openapi.json')).status).toBe(200);
  });

  it('answers a method a route does not take with 404 RES_NOT_FOUND, never 405 (the contract has no 405)', async () => {
    for (const [method, path] of [
      ['delete', '/api/v1/auth/me'],
      ['put', '/api/v2/auth/me'],
      ['put', '/health'],
      ['post', '/docs/errors'],
      ['delete', '/openapi.json'],
      ['post', '/docs/swagger-ui.css'],
    ] as const) {
      const res = await stack.api.http[method](path).set('X-API-Key', ADMIN_KEY);
      const error = expectError(res, 404, 'RES_NOT_FOUND');
      expect({ path, message: error.message }).toEqual({ path, message: `Route ${method.toUpperCase()} ${path} not found` });
      expect(res.headers.allow).toBeUndefined();
    }
    // The same paths with their own methods are there.
    expect((await stack.api.http.get('/docs/swagger-ui.css')).status).toBe(200);
  });

  it('answers malformed JSON with 400 VAL_MALFORMED_JSON', async () => {
    const res = await stack.api.http.post('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY).set('Content-Type', 'application/json').send('{"name": ');
    expectError(res, 400, 'VAL_MALFORMED_JSON');
  });

  it('answers a JSON body nested deeper than 64 levels with 400 VAL_MALFORMED_JSON and creates nothing', async () => {
    const before = await stack.api.http.get('/api/v1/endpoints').set('X-API-Key', ADMIN_KEY);
    // 20 KB of brackets: class-transformer recursed once per level and overflowed the stack (500).
    const deep = `{"name":"deep","url":"https://deep.example.com/","tags":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    for (const idempotencyKey of [undefined, 'deep-body-1']) {
      const req = stack.api.http.post('/api/v1/endpoints').set('X-API-Key', ADMIN_KEY).set('Content-Type', 'application/json');
      if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
      const error = expectError(await req.send(deep), 400, 'VAL_MALFORMED_JSON');
      expect(error.message).toBe('JSON body nests deeper than 64 levels');
    }
    const after = await stack.api.http.get('/api/v1/endpoints').set('X-API-Key', ADMIN_KEY);
    expect(after.body.pagination.total).toBe(before.body.pagination.total);
    // 64 levels in all is still a body: the endpoint's own JSON body may nest 62 levels below it.
    const body = JSON.parse(`${'{"a":'.repeat(62)}1${'}'.repeat(62)}`);
    const created = await stack.api.http
      .post('/api/v1/endpoints')
      .set('X-API-Key', ADMIN_KEY)
      .send({ name: 'deep-ok', url: 'https://deep.example.com/', method: 'POST', body });
    expect(created.status).toBe(201);
  });

  it('names an unknown field in a 422', async () => {
    const res = await stack.api.http.post('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY).send({ name: 'x', role: 'viewer', colour: 'red' });
    const error = expectError(res, 422, 'VAL_ERROR');
    expect(error.details).toEqual([expect.objectContaining({ field: 'colour', message: expect.stringContaining('colour') })]);
  });

  it('lists every invalid field with VAL_MULTIPLE_ERRORS', async () => {
    const res = await stack.api.http.post('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY).send({ name: '', role: 'boss' });
    const error = expectError(res, 422, 'VAL_MULTIPLE_ERRORS');
    expect([...new Set(error.details.map((d: { field: string }) => d.field))].sort()).toEqual(['name', 'role']);
    expect(error.details.find((d: { field: string }) => d.field === 'role').value).toBe('boss');
  });

  it('refuses a body over 1 MiB with 413 VAL_PAYLOAD_TOO_LARGE', async () => {
    const res = await stack.api.http
      .post('/api/v1/auth/keys')
      .set('X-API-Key', ADMIN_KEY)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'a'.repeat(1024 * 1024 + 10), role: 'viewer' }));
    expectError(res, 413, 'VAL_PAYLOAD_TOO_LARGE');
  });

  it('refuses a non-JSON body with 415 VAL_UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await stack.api.http.post('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY).set('Content-Type', 'text/plain').send('name=x');
    expectError(res, 415, 'VAL_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a viewer writing with 403 PERM_DENIED and creates nothing', async () => {
    const before = await stack.api.http.get('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY);
    const res = await stack.api.http.post('/api/v1/auth/keys').set('X-API-Key', viewer).send({ name: 'sneaky', role: 'admin' });
    expectError(res, 403, 'PERM_DENIED');
    const after = await stack.api.http.get('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY);
    expect(after.body.pagination.total).toBe(before.body.pagination.total);
  });

  it('answers an id that is not a UUID with 422 naming the parameter', async () => {
    const res = await stack.api.http.get('/api/v1/auth/keys/123').set('X-API-Key', ADMIN_KEY);
    const error = expectError(res, 422, 'VAL_ERROR');
    expect(error.details[0]).toMatchObject({ field: 'id' });
  });

  it('answers a bad query parameter with 400 VAL_INVALID_QUERY', async () => {
    const res = await stack.api.http.get('/api/v1/auth/keys?limit=0&colour=red').set('X-API-Key', ADMIN_KEY);
    const error = expectError(res, 400, 'VAL_INVALID_QUERY');
    expect(error.details.map((d: { field: string }) => d.field).sort()).toEqual(['colour', 'limit']);
  });

  it('answers an unknown sort field with 400 VAL_INVALID_QUERY', async () => {
    const res = await stack.api.http.get('/api/v1/auth/keys?sort=key_hash:asc').set('X-API-Key', ADMIN_KEY);
    expectError(res, 400, 'VAL_INVALID_QUERY');
  });

  describe('requests the HTTP parser refuses before Express sees them', () => {
    function expectRawError(answer: RawAnswer, statusLine: string, code: string): any {
      expect(answer.statusLine).toBe(statusLine);
      expect(answer.headers).toMatchObject({ connection: 'close', 'content-type': 'application/json; charset=utf-8' });
      const body = JSON.parse(answer.body);
      expect(body).toEqual({
        success: false,
        error: { code, message: expect.any(String), help_url: `/docs/errors#${code.toLowerCase().replace(/_/g, '-')}` },
        meta: { timestamp: expect.any(String), request_id: expect.stringMatching(/^[0-9a-f-]{36}$/), api_version: null },
      });
      expect(answer.headers['x-request-id']).toBe(body.meta.request_id);
      expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
      return body.error;
    }

    it.each([
      ['a header line without a colon', 'GET /health HTTP/1.1\r\nHost: localhost\r\nNot a header\r\n\r\n'],
      ['a space in a header name', 'GET /api/v1/auth/me HTTP/1.1\r\nHost: localhost\r\nX Api Key: x\r\n\r\n'],
      ['a control character in a header value', 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Note: a\u0001b\r\n\r\n'],
      ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n'],
    ])('answers %s with 400 VAL_MALFORMED_REQUEST in the envelope and closes the connection', async (_what, bytes) => {
      const error = expectRawError(await rawExchange(stack.api.url, bytes), 'HTTP/1.1 400 Bad Request', 'VAL_MALFORMED_REQUEST');
      expect(error.message).toMatch(/^Malformed HTTP request/);
    });

    it('answers headers over the size limit with 400 VAL_HEADERS_TOO_LARGE in the envelope', async () => {
      const bytes = `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`;
      const error = expectRawError(await rawExchange(stack.api.url, bytes), 'HTTP/1.1 400 Bad Request', 'VAL_HEADERS_TOO_LARGE');
      expect(error.message).toBe('Request headers exceed the size limit');
    });

    it('keeps serving other connections, the ones open already and new ones, also after a peer that sent garbage reset', async () => {
      const open = await keepAliveConnection(stack.api.url);
      try {
        expect(await open.get('/health')).toBe('HTTP/1.1 200 OK');
        await rawExchange(stack.api.url, 'GET /health HTTP/1.1\r\nBroken\r\n\r\n');
        const rude = net.connect({ port: Number(new URL(stack.api.url).port), host: '127.0.0.1' });
        rude.on('error', () => undefined);
        await new Promise((resolve) => rude.once('connect', resolve));
        rude.write('GET / HTTP/1.1\r\nBroken\r\n\r\n');
        rude.resetAndDestroy();
        expect(await open.get('/health')).toBe('HTTP/1.1 200 OK');
        expect((await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', ADMIN_KEY)).status).toBe(200);
      } finally {
        open.close();
      }
    });

    it('lists their codes in the error catalogue, each with a status of the VAL_ family', async () => {
      const res = await stack.api.http.get('/api/v1/meta/errors');
      const codes = expectEnvelope(res.body).map((e: { code: string; status: number }) => [e.code, e.status]);
      expect(codes).toEqual(
        expect.arrayContaining([
          ['VAL_MALFORMED_REQUEST', 400],
          ['VAL_HEADERS_TOO_LARGE', 400],
          ['VAL_REQUEST_TIMEOUT', 400],
        ]),
      );
    });
  });
});
