import net from 'node:net';
import { Client } from 'pg';
import { generateOpenApi } from '../../apps/api/src/write-openapi';
import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestApp, type TestStack } from '../support/test-app';
import { lockTable } from '../support/table-lock';
import { TcpProxy } from '../support/tcp-proxy';
import { hasRedis } from '../support/test-env';

type Reply = { status: number; body: any };

/** Polls until `probe` answers `status` (no fixed sleeps: dependencies come and go at their own pace). */
async function waitForStatus(probe: () => Promise<Reply>, status: number, timeoutMs = 15000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  let last: Reply | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`still ${last?.status} after ${timeoutMs} ms, waiting for ${status}: ${JSON.stringify(last?.body)}`);
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** True when nothing accepts connections on the port any more. */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** What a client must never see in an error: driver codes, addresses, SQL, stack frames. */
function expectNoInternals(error: { message: string; details?: unknown }): void {
  const shown = JSON.stringify(error);
  for (const leak of ['ECONNREFUSED', '127.0.0.1', 'SELECT', 'INSERT', 'api_keys', ' at ', 'node_modules']) expect(shown).not.toContain(leak);
}

describe('ops routes and documentation', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  it('describes the service at GET / with name, version, API versions and links', async () => {
    const res = await stack.api.http.get('/');
    expect(res.status).toBe(200);
    const data = expectEnvelope(res.body, null);
    expect(data).toMatchObject({ name: 'Vigil', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(data.api_versions.map((v: { version: string; status: string }) => [v.version, v.status])).toEqual([
      ['1', 'active'],
      ['2', 'active'],
    ]);
    expect(data.links).toEqual({
      docs: '/docs',
      openapi: '/openapi.json',
      health: '/health',
      ready: '/ready',
      metrics: '/metrics',
      errors: '/api/v1/meta/errors',
    });
  });

  it('answers GET /health with 200 in the envelope, without a key', async () => {
    const res = await stack.api.http.get('/health');
    expect(res.status).toBe(200);
    expect(expectEnvelope(res.body, null)).toEqual({ status: 'ok' });
  });

  it('answers GET /ready with 200 and the state of each dependency', async () => {
    const res = await stack.api.http.get('/ready');
    expect(res.status).toBe(200);
    expect(expectEnvelope(res.body, null)).toEqual({ status: 'ready', checks: { database: 'up', redis: hasRedis ? 'up' : 'not_configured', scheduler: 'up' } });
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await stack.api.http.get('/docs').redirects(2);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('swagger-ui');
  });

  it('sends the OWASP REST security headers on JSON answers and the full helmet set on pages', async () => {
    const json = await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', ADMIN_KEY);
    expect(json.status).toBe(200);
    expect(json.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(json.headers['x-frame-options']).toBe('DENY');
    expect(json.headers['x-content-type-options']).toBe('nosniff');
    expect(json.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(json.headers['referrer-policy']).toBe('no-referrer');
    expect(json.headers['x-powered-by']).toBeUndefined();
    // No ETag: an envelope (request_id, timestamp) never repeats, so it could never answer 304.
    expect(json.headers.etag).toBeUndefined();
    // Browser-page headers are left off JSON answers.
    expect(json.headers['cross-origin-opener-policy']).toBeUndefined();

    const page = await stack.api.http.get('/docs/errors');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("img-src 'self' data:");
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-powered-by']).toBeUndefined();
  });

  it('serves at /openapi.json the OpenAPI 3 document of both versions, with the key scheme and envelopes', async () => {
    const res = await stack.api.http.get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths).toHaveProperty(['/api/v1/auth/keys']);
    expect(doc.paths).toHaveProperty(['/api/v2/auth/keys']);
    expect(doc.components.securitySchemes['api-key']).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(doc.security).toEqual([{ 'api-key': [] }]);
    expect(doc.components.schemas.ErrorEnvelope.properties).toEqual(
      expect.objectContaining({ success: expect.anything(), error: expect.anything(), meta: expect.anything() }),
    );

    const schemaOf = (path: string, method: string, status: string) => doc.paths[path][method].responses[status].content['application/json'].schema;
    const me = schemaOf('/api/v1/auth/me', 'get', '200');
    expect(me.required).toEqual(['success', 'data', 'meta']);
    expect(me.properties).toMatchObject({
      success: { enum: [true] },
      data: { $ref: '#/components/schemas/WhoAmIDto' },
      meta: { $ref: '#/components/schemas/ResponseMeta' },
    });
    const v1List = schemaOf('/api/v1/auth/keys', 'get', '200');
    expect(v1List.properties).toMatchObject({ data: { type: 'array' }, pagination: { $ref: '#/components/schemas/OffsetPagination' } });
    const v2List = schemaOf('/api/v2/auth/keys', 'get', '200');
    expect(v2List.properties).toMatchObject({ data: { type: 'array' }, pagination: { $ref: '#/components/schemas/CursorPagination' } });
    expect(schemaOf('/api/v1/auth/keys', 'post', '422')).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
    expect(doc.paths['/api/v1/meta/errors'].get.security).toEqual([]);
  });

  it('serves the same document that `npm run openapi` writes', async () => {
    const res = await stack.api.http.get('/openapi.json');
    expect(res.body).toEqual(JSON.parse(await generateOpenApi()));
  });

  it('lists the error catalogue at GET /api/v1/meta/errors without a key (code, status, help_url for each)', async () => {
    const res = await stack.api.http.get('/api/v1/meta/errors');
    expect(res.status).toBe(200);
    const entries: Array<{ code: string; status: number; help_url: string; message: string }> = expectEnvelope(res.body, '1');
    expect(entries.length).toBeGreaterThan(10);
    for (const e of entries) {
      expect(e.code).toMatch(/^(AUTH|PERM|VAL|RES|BIZ|EXT|RATE|SYS)_[A-Z_]+$/);
      expect(Number.isInteger(e.status) && e.status >= 400 && e.status < 600).toBe(true);
      expect(e.help_url).toBe(`/docs/errors#${e.code.toLowerCase().replace(/_/g, '-')}`);
      expect(typeof e.message).toBe('string');
    }
    expect(new Set(entries.map((e) => e.code)).size).toBe(entries.length);
    expect(entries.map((e) => e.code)).toEqual(
      expect.arrayContaining(['VAL_MULTIPLE_ERRORS', 'RES_IDEMPOTENCY_CONFLICT', 'RATE_LIMIT_EXCEEDED', 'EXT_DATABASE_UNAVAILABLE', 'SYS_NOT_READY']),
    );
    // The document's error envelope enumerates exactly the catalogue.
    const doc = (await stack.api.http.get('/openapi.json')).body;
    expect([...doc.components.schemas.ErrorEnvelope.properties.error.properties.code.enum].sort()).toEqual(entries.map((e) => e.code).sort());
  });

  it('documents every catalogued code with an anchor on /docs/errors', async () => {
    const catalogue = expectEnvelope((await stack.api.http.get('/api/v1/meta/errors')).body, '1') as Array<{ code: string; help_url: string }>;
    const res = await stack.api.http.get('/docs/errors');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    for (const { code, help_url } of catalogue) {
      const anchor = help_url.split('#')[1];
      expect(res.text).toContain(`id="${anchor}"`);
      expect(res.text).toContain(code);
    }
  });

  it('exposes Prometheus metrics at /metrics, counting requests by route pattern and status', async () => {
    await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', ADMIN_KEY);
    await stack.api.http.get('/api/v1/auth/keys/00000000-0000-4000-8000-000000000000').set('X-API-Key', ADMIN_KEY);
    const res = await stack.api.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('# TYPE vigil_http_requests_total counter');
    expect(res.text).toMatch(/vigil_http_requests_total\{method="GET",route="[^"]*auth\/me",status="200"\} \d+/);
    // Labelled by the route pattern, never by the raw id.
    expect(res.text).not.toContain('00000000-0000-4000-8000-000000000000');
    expect(res.text).toContain('vigil_http_request_duration_seconds_bucket');
  });
});

describe('readiness when the database is unreachable', () => {
  let stack: TestStack;
  let proxy: TcpProxy;
  let cutOff: TestApp;

  beforeAll(async () => {
    stack = await startTestStack();
    proxy = TcpProxy.forUrl(stack.db.url, 5432);
    await proxy.start();
    // This instance reaches PostgreSQL only through the proxy; the stack's own instance does not.
    cutOff = await stack.startInstance({ DATABASE_URL: proxy.rewrite(stack.db.url), DATABASE_CONNECT_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await proxy?.resume().catch(() => undefined);
    await stack?.close();
    await proxy?.stop();
  });

  it('answers /ready 503 SYS_NOT_READY naming the database, keeps serving with 503 EXT_DATABASE_UNAVAILABLE, and recovers', async () => {
    expect((await cutOff.http.get('/ready')).status).toBe(200);
    expect((await cutOff.http.get('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY)).status).toBe(200);

    await proxy.stop();

    const notReady = await waitForStatus(() => cutOff.http.get('/ready'), 503);
    const error = expectError(notReady, 503, 'SYS_NOT_READY');
    expect(error.message).toContain('database');
    expect(error.details).toEqual([expect.objectContaining({ field: 'database' })]);
    expectNoInternals(error);

    // Liveness does not depend on the database: the process is up.
    const health = await cutOff.http.get('/health');
    expect(health.status).toBe(200);

    // A route that needs the database answers in the envelope, never a 500 with internals.
    for (const path of ['/api/v1/auth/keys', '/api/v2/auth/keys']) {
      const res = await cutOff.http.get(path).set('X-API-Key', ADMIN_KEY);
      const dbError = expectError(res, 503, 'EXT_DATABASE_UNAVAILABLE');
      expectNoInternals(dbError);
    }
    const write = await cutOff.http.post('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY).send({ name: 'during-outage', role: 'viewer' });
    expectNoInternals(expectError(write, 503, 'EXT_DATABASE_UNAVAILABLE'));

    await proxy.resume();

    const ready = await waitForStatus(() => cutOff.http.get('/ready'), 200);
    expect(ready.body.data).toEqual({ status: 'ready', checks: { database: 'up', redis: hasRedis ? 'up' : 'not_configured', scheduler: 'up' } });
    const listed = await waitForStatus(() => cutOff.http.get('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY), 200);
    expect(listed.body.data.some((k: { name: string }) => k.name === 'during-outage')).toBe(false);
  });
});

describe('graceful shutdown', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  it('stops accepting connections on close but finishes the request in flight', async () => {
    const closing = await stack.startInstance();
    const port = Number(new URL(closing.url).port);
    const lock = await lockTable(stack.db.url, 'api_keys');
    try {
      // Hold a request inside its handler: its INSERT waits for the table lock.
      const inFlight = closing.http
        .post('/api/v1/auth/keys')
        .set('X-API-Key', ADMIN_KEY)
        .send({ name: 'in-flight', role: 'viewer' })
        .then((res) => res);
      await lock.waitForBlocked('INSERT INTO "api_keys"');

      let closed = false;
      const closingDone = closing.close().then(() => (closed = true));
      await waitUntil(() => refusesConnections(port));
      expect(closed).toBe(false);

      await lock.release();
      const res = await inFlight;
      expect(res.status).toBe(201);
      expect(expectEnvelope(res.body).name).toBe('in-flight');
      await closingDone;
      expect(closed).toBe(true);
    } finally {
      await lock.release();
    }
  });

  it("waits for a key's last_used_at write still on its way before closing the database pool", async () => {
    const viewer = await stack.createKey('viewer');
    const closing = await stack.startInstance();
    const lock = await lockTable(stack.db.url, 'api_keys');
    try {
      // The key's first use answers at once; its last_used_at UPDATE, written in the background, waits for the lock.
      expect((await closing.http.get('/api/v1/auth/me').set('X-API-Key', viewer.key)).status).toBe(200);
      await lock.waitForBlocked('UPDATE "api_keys"');
      let closed = false;
      const closingDone = closing.close().then(() => (closed = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(closed).toBe(false);
      await lock.release();
      await closingDone;
      const pg = new Client({ connectionString: stack.db.url });
      await pg.connect();
      const { rows } = await pg.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM api_keys WHERE id = $1', [viewer.id]).finally(() => pg.end());
      expect(rows[0].last_used_at).toBeInstanceOf(Date);
    } finally {
      await lock.release();
    }
  });
});

describe('CORS from configuration', () => {
  let stack: TestStack;
  const ORIGIN = 'https://ops.example.com';

  beforeAll(async () => {
    stack = await startTestStack({ CORS_ORIGINS: ORIGIN, CORS_CREDENTIALS: 'true' });
  });
  afterAll(() => stack?.close());

  it('answers a preflight from an allowed origin, before versions and keys are checked', async () => {
    const res = await stack.api.http
      .options('/api/v1/endpoints')
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'X-API-Key, Content-Type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    // The request id and security headers come first, as on every answer.
    expect(res.headers['x-request-id']).toBeDefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('names the allowed origin on answers and exposes the contract headers to its scripts', async () => {
    const res = await stack.api.http.get('/api/v1/auth/me').set('Origin', ORIGIN).set('X-API-Key', ADMIN_KEY);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    const exposed = String(res.headers['access-control-expose-headers']).split(',');
    expect(exposed).toEqual(expect.arrayContaining(['X-Request-ID', 'X-RateLimit-Remaining', 'Retry-After', 'Deprecation']));
  });

  it('grants nothing to another origin', async () => {
    const res = await stack.api.http.get('/api/v1/auth/me').set('Origin', 'https://evil.example.net').set('X-API-Key', ADMIN_KEY);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('still refuses an unsupported version with the envelope after CORS ran', async () => {
    const res = await stack.api.http.get('/api/v9/auth/me').set('Origin', ORIGIN).set('X-API-Key', ADMIN_KEY);
    expectError(res, 400, 'VAL_UNSUPPORTED_API_VERSION');
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });
});
