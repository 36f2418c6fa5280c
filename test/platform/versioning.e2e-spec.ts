import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestApp, type TestStack } from '../support/test-app';

const DEPRECATED_AT = '2026-01-01T00:00:00Z';
const SUNSET_AT = '2027-06-30T00:00:00Z';

describe('API versions', () => {
  let stack: TestStack;
  let deprecated: TestApp;
  let removed: TestApp;
  let maintenance: TestApp;

  beforeAll(async () => {
    stack = await startTestStack();
    deprecated = await stack.startInstance({ API_V1_STATUS: 'deprecated', API_V1_DEPRECATED_AT: DEPRECATED_AT, API_V1_SUNSET_AT: SUNSET_AT });
    removed = await stack.startInstance({ API_V1_STATUS: 'removed' });
    maintenance = await stack.startInstance({ API_V1_STATUS: 'maintenance' });
  });
  afterAll(() => stack?.close());

  describe('unsupported versions', () => {
    it('answers an unknown version (/api/v3/...) with 400 VAL_UNSUPPORTED_API_VERSION naming the supported ones', async () => {
      const res = await stack.api.http.get('/api/v3/auth/me').set('X-API-Key', ADMIN_KEY);
      const error = expectError(res, 400, 'VAL_UNSUPPORTED_API_VERSION');
      expect(error.message).toContain('v1, v2');
      expect(error.details).toEqual([expect.objectContaining({ field: 'version', value: '3' })]);
    });

    it('answers a path under /api without a version with 400 VAL_UNSUPPORTED_API_VERSION', async () => {
      for (const path of ['/api/whatever', '/api/auth/me', '/api']) {
        const res = await stack.api.http.get(path).set('X-API-Key', ADMIN_KEY);
        expectError(res, 400, 'VAL_UNSUPPORTED_API_VERSION');
      }
    });

    it('answers the same for a write to an unknown version, before looking at the body', async () => {
      const res = await stack.api.http.post('/api/v9/auth/keys').set('X-API-Key', ADMIN_KEY).set('Content-Type', 'application/json').send('{"broken": ');
      expectError(res, 400, 'VAL_UNSUPPORTED_API_VERSION');
    });
  });

  describe('an active version', () => {
    it('carries no Deprecation, Sunset or successor Link', async () => {
      for (const path of ['/api/v1/auth/me', '/api/v2/auth/me']) {
        const res = await stack.api.http.get(path).set('X-API-Key', ADMIN_KEY);
        expect(res.status).toBe(200);
        expect(res.headers.deprecation).toBeUndefined();
        expect(res.headers.sunset).toBeUndefined();
        expect(res.headers.link).toBeUndefined();
      }
    });
  });

  describe('a deprecated version (API_V1_STATUS=deprecated)', () => {
    it('adds Deprecation (RFC 9745 @epoch), Sunset (HTTP-date) and a successor-version Link to v2', async () => {
      const res = await deprecated.http.get('/api/v1/auth/me').set('X-API-Key', ADMIN_KEY);
      expect(res.status).toBe(200);
      expectEnvelope(res.body, '1');
      expect(res.headers.deprecation).toBe(`@${Date.parse(DEPRECATED_AT) / 1000}`);
      expect(res.headers.deprecation).toBe('@1767225600');
      expect(res.headers.sunset).toBe('Wed, 30 Jun 2027 00:00:00 GMT');
      expect(res.headers.link).toBe('</api/v2/auth/me>; rel="successor-version"');
    });

    it('points the Link at the same resource and query in v2', async () => {
      const res = await deprecated.http.get('/api/v1/auth/keys?limit=5&role=viewer').set('X-API-Key', ADMIN_KEY);
      expect(res.status).toBe(200);
      expect(res.headers.link).toBe('</api/v2/auth/keys?limit=5&role=viewer>; rel="successor-version"');
    });

    it('keeps the headers on error responses of that version', async () => {
      const res = await deprecated.http.get('/api/v1/auth/me');
      expectError(res, 401, 'AUTH_MISSING_API_KEY');
      expect(res.headers.deprecation).toBe('@1767225600');
      expect(res.headers.sunset).toBe('Wed, 30 Jun 2027 00:00:00 GMT');
      expect(res.headers.link).toContain('rel="successor-version"');
    });

    it('leaves v2 on the same instance without them', async () => {
      const res = await deprecated.http.get('/api/v2/auth/me').set('X-API-Key', ADMIN_KEY);
      expect(res.status).toBe(200);
      expect(res.headers.deprecation).toBeUndefined();
      expect(res.headers.sunset).toBeUndefined();
      expect(res.headers.link).toBeUndefined();
    });

    it('lists v1 as deprecated with its sunset in GET /', async () => {
      const res = await deprecated.http.get('/');
      expect(expectEnvelope(res.body, null).api_versions).toEqual([
        { version: '1', status: 'deprecated', base_path: '/api/v1', sunset: '2027-06-30T00:00:00.000Z' },
        { version: '2', status: 'active', base_path: '/api/v2', sunset: null },
      ]);
    });
  });

  describe('a removed version (API_V1_STATUS=removed)', () => {
    it('answers 410 RES_VERSION_REMOVED with a Link to the same path in v2', async () => {
      const res = await removed.http.get('/api/v1/auth/me').set('X-API-Key', ADMIN_KEY);
      const error = expectError(res, 410, 'RES_VERSION_REMOVED');
      expect(error.message).toContain('v2');
      expect(res.headers.link).toBe('</api/v2/auth/me>; rel="successor-version"');
    });

    it('answers 410 for writes and public routes too, and creates nothing', async () => {
      const before = await removed.http.get('/api/v2/auth/keys').set('X-API-Key', ADMIN_KEY);
      expectError(await removed.http.post('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY).send({ name: 'gone', role: 'viewer' }), 410, 'RES_VERSION_REMOVED');
      expectError(await removed.http.get('/api/v1/meta/errors'), 410, 'RES_VERSION_REMOVED');
      const after = await removed.http.get('/api/v2/auth/keys').set('X-API-Key', ADMIN_KEY);
      expect(after.body.data.map((k: { id: string }) => k.id)).toEqual(before.body.data.map((k: { id: string }) => k.id));
    });

    it('keeps serving v2', async () => {
      const res = await removed.http.get('/api/v2/auth/me').set('X-API-Key', ADMIN_KEY);
      expect(res.status).toBe(200);
      expectEnvelope(res.body, '2');
    });
  });

  describe('a version in maintenance (API_V1_STATUS=maintenance)', () => {
    it('still answers reads', async () => {
      const res = await maintenance.http.get('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY);
      expect(res.status).toBe(200);
      expectEnvelope(res.body, '1');
    });

    it('answers writes with 503 SYS_MAINTENANCE and Retry-After, creating nothing, while v2 accepts them', async () => {
      const name = `maint-${Date.now()}`;
      const res = await maintenance.http.post('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY).send({ name, role: 'viewer' });
      expectError(res, 503, 'SYS_MAINTENANCE');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const v1Delete = await maintenance.http.delete('/api/v1/auth/keys/00000000-0000-4000-8000-000000000000').set('X-API-Key', ADMIN_KEY);
      expectError(v1Delete, 503, 'SYS_MAINTENANCE');

      const v2 = await maintenance.http.post('/api/v2/auth/keys').set('X-API-Key', ADMIN_KEY).send({ name, role: 'viewer' });
      expect(v2.status).toBe(201);
      const listed = await maintenance.http.get(`/api/v1/auth/keys?limit=100`).set('X-API-Key', ADMIN_KEY);
      expect(listed.body.data.filter((k: { name: string }) => k.name === name)).toHaveLength(1);
    });
  });
});
