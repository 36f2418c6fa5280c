import { loadConfig, type VigilConfig } from '@vigil/config';
import { Client } from 'pg';
import { runCli, USAGE } from '../../apps/cli/src/cli';
import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestApp, type TestStack } from '../support/test-app';
import { testEnv } from '../support/test-env';

const KEY_FORMAT = /vgl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/;

describe('command line (npm run cli)', () => {
  let stack: TestStack;
  let config: VigilConfig;
  /** An instance that caches keys for a minute: only the revocation event can make it refuse a key sooner. */
  let longCache: TestApp;

  beforeAll(async () => {
    stack = await startTestStack();
    longCache = await stack.startInstance({ AUTH_CACHE_TTL_MS: '60000' });
    config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: stack.db.url,
      REDIS_URL: testEnv.redisUrl,
      REDIS_KEY_PREFIX: stack.redisPrefix,
    });
  });
  afterAll(() => stack?.close());

  async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string; configLoaded: boolean }> {
    let stdout = '';
    let stderr = '';
    let configLoaded = false;
    const code = await runCli(
      argv,
      () => {
        configLoaded = true;
        return config;
      },
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    );
    return { code, stdout, stderr, configLoaded };
  }

  async function keyCount(): Promise<number> {
    const client = new Client({ connectionString: stack.db.url });
    await client.connect();
    try {
      return Number((await client.query('SELECT count(*) AS n FROM api_keys')).rows[0].n);
    } finally {
      await client.end();
    }
  }

  it('keys:create --role admin --name ops prints a key that authenticates as an admin named ops', async () => {
    const run = await cli('keys:create', '--role', 'admin', '--name', 'ops');
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const key = KEY_FORMAT.exec(run.stdout)?.[0];
    expect(key).toBeDefined();
    expect(run.stdout).toMatch(/Created admin key "ops" \(id [0-9a-f-]{36}\)/);

    const me = await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', key!);
    expect(me.status).toBe(200);
    expect(expectEnvelope(me.body)).toMatchObject({ role: 'admin', name: 'ops', prefix: key!.slice(0, 12) });
    // An admin key can do admin things.
    const list = await stack.api.http.get('/api/v1/auth/keys').set('X-API-Key', key!);
    expect(list.status).toBe(200);
  });

  it('keys:create --role viewer prints a key that can read but not write', async () => {
    const run = await cli('keys:create', '--name', 'dashboards', '--role', 'viewer');
    expect(run.code).toBe(0);
    const key = KEY_FORMAT.exec(run.stdout)![0];
    const me = await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', key);
    expect(expectEnvelope(me.body)).toMatchObject({ role: 'viewer', name: 'dashboards' });
    expectError(await stack.api.http.post('/api/v1/auth/keys').set('X-API-Key', key).send({ name: 'x', role: 'viewer' }), 403, 'PERM_DENIED');
  });

  it('keys:create --expires-at makes a key that carries that expiry', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const run = await cli('keys:create', '--name', 'temp', '--role', 'operator', '--expires-at', expiresAt);
    expect(run.code).toBe(0);
    const id = /\(id ([0-9a-f-]{36})\)/.exec(run.stdout)![1];
    const got = await stack.api.http.get(`/api/v1/auth/keys/${id}`).set('X-API-Key', ADMIN_KEY);
    expect(expectEnvelope(got.body)).toMatchObject({ role: 'operator', name: 'temp', expires_at: expiresAt, state: 'active' });
  });

  it('keys:create with an expiry in the past fails with a message and creates nothing', async () => {
    const before = await keyCount();
    const run = await cli('keys:create', '--name', 'late', '--role', 'viewer', '--expires-at', '2020-01-01T00:00:00Z');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('expires_at must be in the future');
    expect(run.stdout).not.toMatch(KEY_FORMAT);
    expect(await keyCount()).toBe(before);
  });

  it('keys:create names the rule a refused name breaks, as the API does', async () => {
    const run = await cli('keys:create', '--name', 'bell\u0007', '--role', 'viewer');
    expect(run.stderr).toContain('name must not contain control characters');
  });

  it('keys:create trims the spaces around a name', async () => {
    const run = await cli('keys:create', '--name', '  nightly export ', '--role', 'viewer');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Created viewer key "nightly export"');
  });

  it('keys:revoke makes running servers refuse the key within seconds, even one with a long cache', async () => {
    const key = KEY_FORMAT.exec((await cli('keys:create', '--name', 'to-revoke', '--role', 'operator')).stdout)![0];
    const me = await longCache.http.get('/api/v1/auth/me').set('X-API-Key', key);
    expect(me.status).toBe(200);
    const id = me.body.data.key_id as string;

    const run = await cli('keys:revoke', '--id', id);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: `Revoked key ${id}\n` });

    const deadline = Date.now() + 6000;
    let res = await longCache.http.get('/api/v1/auth/me').set('X-API-Key', key);
    while (res.status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      res = await longCache.http.get('/api/v1/auth/me').set('X-API-Key', key);
    }
    expectError(res, 401, 'AUTH_REVOKED_API_KEY');
  });

  it('keys:revoke of an unknown id fails with not found', async () => {
    const run = await cli('keys:revoke', '--id', '00000000-0000-4000-8000-000000000000');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not found');
  });

  it('--help prints the usage and exits 0 without reading the configuration', async () => {
    const run = await cli('--help');
    expect(run).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '', configLoaded: false });
  });

  it.each([
    ['no command', []],
    ['an unknown command', ['keys:explode']],
    ['a missing role', ['keys:create', '--name', 'x']],
    ['a missing name', ['keys:create', '--role', 'admin']],
    ['an empty name', ['keys:create', '--name', '', '--role', 'admin']],
    ['a name of spaces only', ['keys:create', '--name', '   ', '--role', 'admin']],
    ['a name with a control character', ['keys:create', '--name', 'bell\u0007', '--role', 'admin']],
    ['a name with a line break', ['keys:create', '--name', 'two\nlines', '--role', 'admin']],
    ['a name longer than the API allows', ['keys:create', '--name', 'n'.repeat(101), '--role', 'admin']],
    ['an unknown role', ['keys:create', '--name', 'x', '--role', 'boss']],
    ['an unknown option', ['keys:create', '--name', 'x', '--role', 'admin', '--colour', 'red']],
    ['an option without its value', ['keys:create', '--name', 'x', '--role']],
    ['an expiry that is not a date', ['keys:create', '--name', 'x', '--role', 'admin', '--expires-at', 'next tuesday']],
    ['an expiry the API would refuse (not ISO 8601)', ['keys:create', '--name', 'x', '--role', 'admin', '--expires-at', 'Jan 1 2030']],
    ['an expiry with a signed year, read as year 2030 before', ['keys:create', '--name', 'x', '--role', 'admin', '--expires-at=-2030-01-01']],
    ['a revoke without id', ['keys:revoke']],
    ['a revoke with an id that is not a UUID', ['keys:revoke', '--id', '42']],
  ])('exits 64 with the usage on stderr for %s, and creates nothing', async (_what, argv) => {
    const before = await keyCount();
    const run = await cli(...argv);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain(USAGE);
    expect(run.stdout).toBe('');
    expect(run.configLoaded).toBe(false);
    expect(await keyCount()).toBe(before);
  });
});
