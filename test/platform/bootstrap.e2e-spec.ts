import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { clearRedisPrefix, expectEnvelope, expectError, startTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase, uniqueRedisPrefix } from '../support/test-env';

/**
 * First start: with no keys and no VIGIL_BOOTSTRAP_API_KEY, one admin key is made and shown in the log once.
 *
 * The log is read by replacing process.stdout.write for the whole file: pino writes through
 * process.stdout when it finds write replaced at creation, and nestjs-pino builds one pino-http instance
 * per process (the first app's), so every app here must start while the capture is in place.
 */
const KEYS_IN_TEXT = /vgl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/g;
const keysIn = (text: string): string[] => [...text.matchAll(KEYS_IN_TEXT)].map((m) => m[0]);
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('admin key bootstrap on start', () => {
  let db: TestDatabase | undefined;
  const redisPrefix = uniqueRedisPrefix();
  const apps: TestApp[] = [];
  let output = '';
  let stdoutSpy: jest.SpyInstance | undefined;

  beforeEach(() => {
    output = '';
    stdoutSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    });
  });

  afterEach(async () => {
    await closeAll();
    await clearRedisPrefix(redisPrefix);
    await db?.drop();
    db = undefined;
    stdoutSpy?.mockRestore();
  });

  async function closeAll(): Promise<void> {
    await Promise.all(apps.splice(0).map((a) => a.close().catch(() => undefined)));
  }

  /** Starts `count` API instances together on the suite's database; returns them and what they logged while starting. */
  async function start(env: Record<string, string | undefined>, count = 1): Promise<{ started: TestApp[]; log: string }> {
    const from = output.length;
    const started = await Promise.all(
      Array.from({ length: count }, () => startTestApp({ DATABASE_URL: db!.url, REDIS_KEY_PREFIX: redisPrefix, LOG_LEVEL: 'info', ...env })),
    );
    apps.push(...started);
    const log = output.slice(from);
    // The capture works: start-up lines (routes, migrations...) are there.
    expect(log).toContain('"level":30');
    return { started, log };
  }

  async function keyRows(): Promise<Array<{ id: string; name: string; role: string; key_hash: string }>> {
    const client = new Client({ connectionString: db!.url });
    await client.connect();
    try {
      return (await client.query('SELECT id, name, role, key_hash FROM api_keys ORDER BY created_at')).rows;
    } finally {
      await client.end();
    }
  }

  it('creates exactly one admin key on first start without keys, logs it once, and creates none on the next start', async () => {
    db = await createTestDatabase();
    const first = await start({ VIGIL_BOOTSTRAP_API_KEY: undefined });
    const logged = keysIn(first.log);
    expect(logged).toHaveLength(1);
    const key = logged[0];
    expect(first.log.split('\n').filter((line) => line.includes(key))).toEqual([expect.stringContaining('"level":40')]);

    const rows = await keyRows();
    expect(rows).toEqual([expect.objectContaining({ role: 'admin', name: 'initial-admin', key_hash: sha256(key) })]);
    const me = await first.started[0].http.get('/api/v1/auth/me').set('X-API-Key', key);
    expect(me.status).toBe(200);
    expect(expectEnvelope(me.body)).toMatchObject({ role: 'admin', key_id: rows[0].id });
    await closeAll();

    const second = await start({ VIGIL_BOOTSTRAP_API_KEY: undefined });
    expect(keysIn(second.log)).toEqual([]);
    expect(await keyRows()).toEqual(rows);
    expect((await second.started[0].http.get('/api/v1/auth/me').set('X-API-Key', key)).status).toBe(200);
  });

  it('creates one admin key between two instances starting together on an empty database', async () => {
    db = await createTestDatabase();
    const { started, log } = await start({ VIGIL_BOOTSTRAP_API_KEY: undefined }, 2);
    const logged = keysIn(log);
    expect(logged).toHaveLength(1);
    expect(await keyRows()).toEqual([expect.objectContaining({ role: 'admin', key_hash: sha256(logged[0]) })]);
    for (const app of started) expect((await app.http.get('/api/v1/auth/me').set('X-API-Key', logged[0])).status).toBe(200);
  });

  it('ensures VIGIL_BOOTSTRAP_API_KEY instead: no generated key, and a revoked bootstrap key is an admin again after the next start', async () => {
    db = await createTestDatabase();
    const pinned = 'ci-pinned-bootstrap-key-0123456789';
    const first = await start({ VIGIL_BOOTSTRAP_API_KEY: pinned });
    expect(keysIn(first.log)).toEqual([]);
    expect(first.log).not.toContain(pinned);
    expect(await keyRows()).toEqual([expect.objectContaining({ role: 'admin', name: 'bootstrap', key_hash: sha256(pinned) })]);

    const api = first.started[0];
    const me = await api.http.get('/api/v1/auth/me').set('X-API-Key', pinned);
    expect(expectEnvelope(me.body)).toMatchObject({ role: 'admin', name: 'bootstrap' });
    const other = await api.http.post('/api/v1/auth/keys').set('X-API-Key', pinned).send({ name: 'second-admin', role: 'admin' });
    expect(other.status).toBe(201);
    expect((await api.http.delete(`/api/v1/auth/keys/${me.body.data.key_id}`).set('X-API-Key', other.body.data.key)).status).toBe(204);
    expectError(await api.http.get('/api/v1/auth/me').set('X-API-Key', pinned), 401, 'AUTH_REVOKED_API_KEY');
    await closeAll();

    const second = await start({ VIGIL_BOOTSTRAP_API_KEY: pinned });
    const again = await second.started[0].http.get('/api/v1/auth/me').set('X-API-Key', pinned);
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ role: 'admin', key_id: me.body.data.key_id });
    expect((await keyRows()).filter((r) => r.key_hash === sha256(pinned))).toHaveLength(1);
  });
});
