import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestApp, type TestStack } from '../support/test-app';

const KEY_FORMAT = /^vgl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Calls /auth/me with the key until it answers `status` or the time runs out; returns the last answer. */
async function meUntil(app: TestApp, key: string, status: number, withinMs: number) {
  const deadline = Date.now() + withinMs;
  let res = await app.http.get('/api/v1/auth/me').set('X-API-Key', key);
  while (res.status !== status && Date.now() < deadline) {
    await sleep(100);
    res = await app.http.get('/api/v1/auth/me').set('X-API-Key', key);
  }
  return res;
}

describe('API keys and authentication', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  describe('refusals', () => {
    it('answers a request without X-API-Key with 401 AUTH_MISSING_API_KEY', async () => {
      expectError(await stack.api.http.get('/api/v1/auth/me'), 401, 'AUTH_MISSING_API_KEY');
      expectError(await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', '   '), 401, 'AUTH_MISSING_API_KEY');
    });

    it('answers an unknown key with 401 AUTH_INVALID_API_KEY', async () => {
      const wellFormed = `vgl_00000000_${'A'.repeat(43)}`;
      expectError(await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', wellFormed), 401, 'AUTH_INVALID_API_KEY');
      expectError(await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', 'not-a-key'), 401, 'AUTH_INVALID_API_KEY');
    });

    it('answers a known key with one character changed with 401 AUTH_INVALID_API_KEY', async () => {
      const { key } = await stack.createKey('viewer');
      const altered = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
      expectError(await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', altered), 401, 'AUTH_INVALID_API_KEY');
    });

    it('guards v2 routes too', async () => {
      expectError(await stack.api.http.get('/api/v2/auth/me'), 401, 'AUTH_MISSING_API_KEY');
    });
  });

  describe('creating a key', () => {
    it('answers 201 with the key once, a Location header, and the key never appears again', async () => {
      const res = await stack.api.http.post('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY).send({ name: 'ci-smoke', role: 'operator' });
      expect(res.status).toBe(201);
      const created = expectEnvelope(res.body);
      const key: string = created.key;
      expect(key).toMatch(KEY_FORMAT);
      expect(created).toMatchObject({
        name: 'ci-smoke',
        role: 'operator',
        prefix: key.slice(0, 12),
        state: 'active',
        revoked_at: null,
        expires_at: null,
        last_used_at: null,
      });
      expect(res.headers.location).toBe(`/api/v1/auth/keys/${created.id}`);

      const secret = key.slice(13);
      const again = await stack.api.http.get(res.headers.location).set('X-API-Key', ADMIN_KEY);
      expect(again.status).toBe(200);
      const shown = expectEnvelope(again.body);
      expect(shown).toMatchObject({ id: created.id, name: 'ci-smoke', prefix: key.slice(0, 12) });
      expect(shown).not.toHaveProperty('key');
      expect(shown).not.toHaveProperty('key_hash');
      expect(again.text).not.toContain(secret);

      for (const url of ['/api/v1/auth/keys?limit=100', '/api/v2/auth/keys?limit=100']) {
        const list = await stack.api.http.get(url).set('X-API-Key', ADMIN_KEY);
        expect(list.status).toBe(200);
        const item = list.body.data.find((k: { id: string }) => k.id === created.id);
        expect(item).toBeDefined();
        for (const k of list.body.data) {
          expect(k).not.toHaveProperty('key');
          expect(k).not.toHaveProperty('key_hash');
        }
        expect(list.text).not.toContain(secret);
      }
    });

    it('sets a v2 Location header when created through v2', async () => {
      const res = await stack.api.http.post('/api/v2/auth/keys').set('X-API-Key', ADMIN_KEY).send({ name: 'v2-made', role: 'viewer' });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/api/v2/auth/keys/${res.body.data.id}`);
    });

    it('stores only the SHA-256 of the key: no column holds the key or its secret part', async () => {
      const { id, key } = await stack.createKey('viewer');
      const me = await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', ADMIN_KEY);
      const rows = await query(stack.db.url, 'SELECT * FROM api_keys WHERE id = $1', [id]);
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(String(row.key_hash)).toBe(sha256(key));
      expect(row.prefix).toBe(key.slice(0, 12));
      expect(row.created_by).toBe(me.body.data.key_id);
      for (const [column, value] of Object.entries(row)) {
        const text = value instanceof Date ? value.toISOString() : String(value);
        expect({ column, holdsKey: text.includes(key) || text.includes(key.slice(13)) }).toEqual({ column, holdsKey: false });
      }
      // Nowhere in the table either.
      const anywhere = await query(stack.db.url, `SELECT count(*)::int AS n FROM api_keys k WHERE k::text LIKE '%' || $1 || '%'`, [key.slice(13)]);
      expect(anywhere[0].n).toBe(0);
    });

    it('refuses expires_at in the past with 422 naming expires_at and creates nothing', async () => {
      const before = await stack.api.http.get('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY);
      const res = await stack.api.http
        .post('/api/v1/auth/keys')
        .set('X-API-Key', ADMIN_KEY)
        .send({ name: 'too-late', role: 'viewer', expires_at: new Date(Date.now() - 60_000).toISOString() });
      const error = expectError(res, 422, 'VAL_ERROR');
      expect(error.details).toEqual([expect.objectContaining({ field: 'expires_at' })]);
      const after = await stack.api.http.get('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY);
      expect(after.body.pagination.total).toBe(before.body.pagination.total);
    });

    it('refuses an expires_at JavaScript cannot read, or with a signed year, with 422 naming expires_at and creates nothing', async () => {
      const before = await stack.api.http.get('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY);
      // '-2030-01-01' was stored as 2030-01-01 (a key expiring 4000 years later than asked); the others reached the database.
      for (const expiresAt of ['-2030-01-01', '2030-W01', '20300101', '2030-01-01T10']) {
        const res = await stack.api.http
          .post('/api/v1/auth/keys')
          .set('X-API-Key', ADMIN_KEY)
          .send({ name: 'odd-date', role: 'viewer', expires_at: expiresAt });
        expect(expectError(res, 422, 'VAL_ERROR').details).toEqual([expect.objectContaining({ field: 'expires_at' })]);
      }
      const after = await stack.api.http.get('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY);
      expect(after.body.pagination.total).toBe(before.body.pagination.total);
    });

    it('refuses a blank or whitespace-only name, or one with control characters, with 422 VAL_ERROR naming name, in v1 and v2, and creates nothing', async () => {
      const count = async () => (await query<{ n: number }>(stack.db.url, 'SELECT count(*)::int AS n FROM api_keys'))[0].n;
      const before = await count();
      for (const version of ['v1', 'v2']) {
        for (const name of ['', ' ', '   ', '\t \n', '\u3000', 'bell\u0007', 'two\nlines', 'nul\u0000x', '\u0085']) {
          const res = await stack.api.http.post(`/api/${version}/auth/keys`).set('X-API-Key', ADMIN_KEY).send({ name, role: 'viewer' });
          const error = expectError(res, 422, 'VAL_ERROR');
          expect({ version, name, fields: error.details.map((d: { field: string }) => d.field) }).toEqual({ version, name, fields: ['name'] });
        }
      }
      expect(await count()).toBe(before);
    });

    it('stores a name with the spaces around it trimmed', async () => {
      const res = await stack.api.http.post('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY).send({ name: '  nightly export  ', role: 'viewer' });
      expect(expectEnvelope(res.body)).toMatchObject({ name: 'nightly export' });
    });
  });

  describe('revocation', () => {
    it('answers DELETE with 204 and an empty body, after which the key is refused with AUTH_REVOKED_API_KEY', async () => {
      const { id, key } = await stack.createKey('operator');
      expect((await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', key)).status).toBe(200);

      const res = await stack.api.http.delete(`/api/v1/auth/keys/${id}`).set('X-API-Key', ADMIN_KEY);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(res.headers['content-type']).toBeUndefined();

      expectError(await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', key), 401, 'AUTH_REVOKED_API_KEY');
      const shown = await stack.api.http.get(`/api/v1/auth/keys/${id}`).set('X-API-Key', ADMIN_KEY);
      expect(expectEnvelope(shown.body)).toMatchObject({ state: 'revoked', revoked_at: expect.any(String) });
    });

    it('answers 204 again when revoking a revoked key, which stays revoked with its first revocation time', async () => {
      const { id, key } = await stack.createKey('viewer');
      expect((await stack.api.http.delete(`/api/v1/auth/keys/${id}`).set('X-API-Key', ADMIN_KEY)).status).toBe(204);
      const first = (await stack.api.http.get(`/api/v1/auth/keys/${id}`).set('X-API-Key', ADMIN_KEY)).body.data.revoked_at;
      await sleep(20);
      const again = await stack.api.http.delete(`/api/v1/auth/keys/${id}`).set('X-API-Key', ADMIN_KEY);
      expect(again.status).toBe(204);
      expect(again.text).toBe('');
      const shown = (await stack.api.http.get(`/api/v1/auth/keys/${id}`).set('X-API-Key', ADMIN_KEY)).body.data;
      expect(shown).toMatchObject({ state: 'revoked', revoked_at: first });
      expectError(await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', key), 401, 'AUTH_REVOKED_API_KEY');
    });

    it('answers 404 RES_NOT_FOUND when revoking an unknown id', async () => {
      const res = await stack.api.http.delete('/api/v1/auth/keys/00000000-0000-4000-8000-000000000000').set('X-API-Key', ADMIN_KEY);
      expectError(res, 404, 'RES_NOT_FOUND');
    });

    it('makes a second instance refuse the key within seconds although it caches keys for a minute (revocation event)', async () => {
      const other = await stack.startInstance({ AUTH_CACHE_TTL_MS: '60000' });
      const { id, key } = await stack.createKey('operator');
      expect((await other.http.get('/api/v1/auth/me').set('X-API-Key', key)).status).toBe(200);

      expect((await stack.api.http.delete(`/api/v1/auth/keys/${id}`).set('X-API-Key', ADMIN_KEY)).status).toBe(204);
      const started = Date.now();
      const res = await meUntil(other, key, 401, 6000);
      expectError(res, 401, 'AUTH_REVOKED_API_KEY');
      expect(Date.now() - started).toBeLessThan(6000);
    });

    it('serves keys from a short cache: a change made behind its back shows only once AUTH_CACHE_TTL_MS has passed', async () => {
      const cached = await stack.startInstance({ AUTH_CACHE_TTL_MS: '1500' });
      const { id, key } = await stack.createKey('viewer');
      expect((await cached.http.get('/api/v1/auth/me').set('X-API-Key', key)).status).toBe(200);

      // Revoked in the database directly: no event, so only the cache expiry can reveal it.
      await query(stack.db.url, 'UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id]);
      expect((await cached.http.get('/api/v1/auth/me').set('X-API-Key', key)).status).toBe(200);
      const res = await meUntil(cached, key, 401, 4000);
      expectError(res, 401, 'AUTH_REVOKED_API_KEY');
    });
  });

  describe('expiry', () => {
    it('refuses a key with 401 AUTH_EXPIRED_API_KEY once its expires_at has passed, even while it is cached', async () => {
      const expiresAt = Date.now() + 2000;
      const { id, key } = await stack.createKey('viewer', { expires_at: new Date(expiresAt).toISOString() });
      const me = await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', key);
      expect(me.status).toBe(200);

      await sleep(expiresAt - Date.now() + 100);
      expectError(await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', key), 401, 'AUTH_EXPIRED_API_KEY');
      const shown = await stack.api.http.get(`/api/v1/auth/keys/${id}`).set('X-API-Key', ADMIN_KEY);
      expect(expectEnvelope(shown.body)).toMatchObject({ state: 'expired', expires_at: new Date(expiresAt).toISOString() });
    });
  });

  describe('roles', () => {
    let viewer: { id: string; key: string };
    let operator: { id: string; key: string };

    beforeAll(async () => {
      viewer = await stack.createKey('viewer');
      operator = await stack.createKey('operator');
    });

    it('lets a viewer read /auth/me with its own identity', async () => {
      const res = await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', viewer.key);
      expect(res.status).toBe(200);
      expect(expectEnvelope(res.body)).toMatchObject({ key_id: viewer.id, role: 'viewer', prefix: viewer.key.slice(0, 12) });
    });

    it('refuses key listing and key details to viewers and operators with 403 PERM_DENIED (admin only)', async () => {
      for (const key of [viewer.key, operator.key]) {
        expectError(await stack.api.http.get('/api/v1/auth/keys').set('X-API-Key', key), 403, 'PERM_DENIED');
        expectError(await stack.api.http.get('/api/v2/auth/keys').set('X-API-Key', key), 403, 'PERM_DENIED');
        expectError(await stack.api.http.get(`/api/v1/auth/keys/${viewer.id}`).set('X-API-Key', key), 403, 'PERM_DENIED');
      }
    });

    it('refuses key creation to an operator with 403 PERM_DENIED and creates nothing', async () => {
      const before = await stack.api.http.get('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY);
      const res = await stack.api.http.post('/api/v1/auth/keys').set('X-API-Key', operator.key).send({ name: 'escalate', role: 'admin' });
      expectError(res, 403, 'PERM_DENIED');
      const after = await stack.api.http.get('/api/v1/auth/keys').set('X-API-Key', ADMIN_KEY);
      expect(after.body.pagination.total).toBe(before.body.pagination.total);
    });

    it('refuses revocation to an operator with 403 PERM_DENIED and the key keeps working', async () => {
      expectError(await stack.api.http.delete(`/api/v1/auth/keys/${viewer.id}`).set('X-API-Key', operator.key), 403, 'PERM_DENIED');
      expect((await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', viewer.key)).status).toBe(200);
    });

    it('lets an admin key made through the API create and list keys', async () => {
      const admin = await stack.createKey('admin');
      const created = await stack.api.http.post('/api/v1/auth/keys').set('X-API-Key', admin.key).send({ name: 'made-by-admin', role: 'viewer' });
      expect(created.status).toBe(201);
      const list = await stack.api.http.get('/api/v1/auth/keys').set('X-API-Key', admin.key);
      expect(list.status).toBe(200);
    });
  });

  describe('last_used_at', () => {
    it('is null for a new key and set shortly after the key is used', async () => {
      const { id, key } = await stack.createKey('viewer');
      const fresh = await stack.api.http.get(`/api/v1/auth/keys/${id}`).set('X-API-Key', ADMIN_KEY);
      expect(fresh.body.data.last_used_at).toBeNull();

      const usedFrom = Date.now();
      expect((await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', key)).status).toBe(200);
      const deadline = Date.now() + 3000;
      let lastUsed: string | null = null;
      while (lastUsed === null && Date.now() < deadline) {
        await sleep(50);
        lastUsed = (await stack.api.http.get(`/api/v1/auth/keys/${id}`).set('X-API-Key', ADMIN_KEY)).body.data.last_used_at;
      }
      expect(lastUsed).not.toBeNull();
      const at = new Date(lastUsed!).getTime();
      expect(at).toBeGreaterThanOrEqual(usedFrom - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    });
  });

  describe('VIGIL_BOOTSTRAP_API_KEY', () => {
    it('is an admin key, stored as its SHA-256 only', async () => {
      const res = await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', ADMIN_KEY);
      expect(expectEnvelope(res.body)).toMatchObject({ role: 'admin', name: 'bootstrap' });
      const rows = await query(stack.db.url, 'SELECT role, key_hash FROM api_keys WHERE id = $1', [res.body.data.key_id]);
      expect(rows).toEqual([{ role: 'admin', key_hash: sha256(ADMIN_KEY) }]);
    });
  });
});
