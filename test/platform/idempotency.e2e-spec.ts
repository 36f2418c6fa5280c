import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestApp, type TestStack } from '../support/test-app';
import { lockTable } from '../support/table-lock';
import { itWithRedis, itWithoutRedis, testEnv } from '../support/test-env';

describe('Idempotency-Key on POST', () => {
  let stack: TestStack;
  let twin: TestApp;
  let db: Client;

  beforeAll(async () => {
    stack = await startTestStack();
    twin = await stack.startInstance();
    db = new Client({ connectionString: stack.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await stack?.close();
  });

  const createKey = (app: TestApp, idempotencyKey: string, body: object, apiKey = ADMIN_KEY) =>
    app.http.post('/api/v1/auth/keys').set('X-API-Key', apiKey).set('Idempotency-Key', idempotencyKey).send(body);
  const keysNamed = async (name: string): Promise<number> => (await db.query('SELECT count(*)::int AS n FROM api_keys WHERE name = $1', [name])).rows[0].n;
  const uniqueName = () => `idem-${randomUUID().slice(0, 8)}`;
  /** The replay carries the first response's body, except meta.request_id, which names the replaying request (as X-Request-ID does). */
  const expectSameResponse = (replay: { body: any; headers: Record<string, string> }, first: { body: any }) => {
    expect(replay.body).toEqual({ ...first.body, meta: { ...first.body.meta, request_id: replay.headers['x-request-id'] } });
    expect(replay.body.meta.request_id).not.toBe(first.body.meta.request_id);
  };

  it('replays the first response (status, body, Location) for the same key and body, with Idempotent-Replayed, creating one key', async () => {
    const idem = randomUUID();
    const body = { name: uniqueName(), role: 'viewer' };
    const first = await createKey(stack.api, idem, body);
    expect(first.status).toBe(201);
    const created = expectEnvelope(first.body);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const again = await createKey(stack.api, idem, body);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expectSameResponse(again, first);
    expect(again.body.data).toMatchObject({ id: created.id, key: created.key });
    expect(again.headers.location).toBe(first.headers.location);
    expect(await keysNamed(body.name)).toBe(1);
  });

  it('answers 409 RES_IDEMPOTENCY_CONFLICT when the same Idempotency-Key carries another body, and creates nothing', async () => {
    const idem = randomUUID();
    const original = { name: uniqueName(), role: 'viewer' };
    expect((await createKey(stack.api, idem, original)).status).toBe(201);
    const other = { name: uniqueName(), role: 'operator' };
    const res = await createKey(stack.api, idem, other);
    expectError(res, 409, 'RES_IDEMPOTENCY_CONFLICT');
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await keysNamed(other.name)).toBe(0);
    expect(await keysNamed(original.name)).toBe(1);
  });

  itWithRedis('answers 409 RES_IDEMPOTENCY_IN_PROGRESS to a second request while the first still runs, on any instance', async () => {
    const idem = randomUUID();
    const body = { name: uniqueName(), role: 'viewer' };
    // Hold the first request inside its handler: its INSERT waits for the table lock.
    const lock = await lockTable(stack.db.url, 'api_keys');
    try {
      const first = createKey(stack.api, idem, body).then((res) => res);
      await lock.waitForBlocked('INSERT INTO "api_keys"');

      for (const app of [stack.api, twin]) {
        const concurrent = await createKey(app, idem, body);
        expectError(concurrent, 409, 'RES_IDEMPOTENCY_IN_PROGRESS');
        expect(Number(concurrent.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }

      await lock.release();
      const done = await first;
      expect(done.status).toBe(201);
      expect(done.headers['idempotent-replayed']).toBeUndefined();

      const later = await createKey(twin, idem, body);
      expect(later.status).toBe(201);
      expect(later.headers['idempotent-replayed']).toBe('true');
      expect(later.body.data.id).toBe(done.body.data.id);
      expect(await keysNamed(body.name)).toBe(1);
    } finally {
      await lock.release();
    }
  });

  itWithRedis('answers at most one of many simultaneous identical requests with a new key; the others wait (409) or replay', async () => {
    const idem = randomUUID();
    const body = { name: uniqueName(), role: 'viewer' };
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => createKey(i % 2 ? twin : stack.api, idem, body)));
    const fresh = replies.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined);
    expect(fresh).toHaveLength(1);
    for (const r of replies) {
      if (r.status === 201) expect(r.body.data.id).toBe(fresh[0].body.data.id);
      else expectError(r, 409, 'RES_IDEMPOTENCY_IN_PROGRESS');
    }
    expect(await keysNamed(body.name)).toBe(1);
  });

  itWithoutRedis('keeps records per process without Redis: the same instance replays, another one does not know the key', async () => {
    const idem = randomUUID();
    const body = { name: uniqueName(), role: 'operator' };
    const first = await createKey(stack.api, idem, body);
    expect(first.status).toBe(201);
    const again = await createKey(stack.api, idem, body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const elsewhere = await createKey(twin, idem, body);
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.headers['idempotent-replayed']).toBeUndefined();
  });

  itWithRedis('replays on another instance (records are shared through Redis)', async () => {
    const idem = randomUUID();
    const body = { name: uniqueName(), role: 'operator' };
    const first = await createKey(stack.api, idem, body);
    expect(first.status).toBe(201);
    const elsewhere = await createKey(twin, idem, body);
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.headers['idempotent-replayed']).toBe('true');
    expectSameResponse(elsewhere, first);
    expect(await keysNamed(body.name)).toBe(1);
  });

  it('does not keep a request that failed validation: the same key with a fixed body then succeeds', async () => {
    const idem = randomUUID();
    const name = uniqueName();
    const invalid = await createKey(stack.api, idem, { name, role: 'superuser' });
    expectError(invalid, 422, 'VAL_ERROR');
    expect(await keysNamed(name)).toBe(0);

    const fixed = await createKey(stack.api, idem, { name, role: 'viewer' });
    expect(fixed.status).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    expect(await keysNamed(name)).toBe(1);
    const replay = await createKey(stack.api, idem, { name, role: 'viewer' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('scopes keys per API key: another admin using the same Idempotency-Key makes a fresh request', async () => {
    const otherAdmin = await stack.createKey('admin');
    const idem = randomUUID();
    const body = { name: uniqueName(), role: 'viewer' };
    const mine = await createKey(stack.api, idem, body);
    const theirs = await createKey(stack.api, idem, body, otherAdmin.key);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.data.id).not.toBe(mine.body.data.id);
    expect(await keysNamed(body.name)).toBe(2);
  });

  it('answers 400 to an Idempotency-Key over 255 characters and creates nothing; 255 is accepted', async () => {
    const name = uniqueName();
    const tooLong = await createKey(stack.api, 'k'.repeat(256), { name, role: 'viewer' });
    const error = expectError(tooLong, 400, 'VAL_BAD_REQUEST');
    expect(error.details).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    expect(await keysNamed(name)).toBe(0);

    const longest = await createKey(stack.api, `${randomUUID()}${'k'.repeat(219)}`, { name, role: 'viewer' });
    expect(longest.status).toBe(201);
  });

  itWithRedis('keeps its records in Redis under REDIS_KEY_PREFIX', async () => {
    const idem = randomUUID();
    expect((await createKey(stack.api, idem, { name: uniqueName(), role: 'viewer' })).status).toBe(201);
    const redis = new Redis(testEnv.redisUrl!, { lazyConnect: true });
    try {
      await redis.connect();
      const matching = async (pattern: string) => {
        const found: string[] = [];
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          found.push(...keys);
        } while (cursor !== '0');
        return found;
      };
      expect(await matching(`${stack.redisPrefix}idem:*${idem}`)).toHaveLength(1);
      expect(await matching(`idem:*${idem}`)).toHaveLength(0);
    } finally {
      redis.disconnect();
    }
  });
});
