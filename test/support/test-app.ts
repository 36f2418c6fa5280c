import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, type VigilConfig } from '@vigil/config';
import Redis from 'ioredis';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/setup-app';
import { createTestDatabase, testEnv, type TestDatabase, uniqueRedisPrefix } from './test-env';

export const ADMIN_KEY = 'vigil-test-admin-key-0123456789abcdef';

export interface TestApp {
  app: NestExpressApplication;
  config: VigilConfig;
  /** Base URL of the listening server (127.0.0.1, random port). */
  url: string;
  http: ReturnType<typeof request>;
  close(): Promise<void>;
}

/** Boots the real API (real PostgreSQL, real Redis when available) on a random loopback port. */
export async function startTestApp(env: Record<string, string | undefined>): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL: testEnv.redisUrl,
    VIGIL_BOOTSTRAP_API_KEY: ADMIN_KEY,
    // Suites own their endpoints: the repository's config/monitors.yaml is not applied to them.
    MONITORS_FILE: 'test/no-monitors-file.yaml',
    ...env,
  });
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  // Closing twice (a test closes an instance, then the stack closes all) must not run the shutdown hooks
  // again: a second ioredis disconnect leaves a 2 s timer behind and Jest reports open handles.
  let closing: Promise<void> | undefined;
  return { app, config, url, http: request(url), close: () => (closing ??= app.close()) };
}

export interface TestStack {
  db: TestDatabase;
  redisPrefix: string;
  api: TestApp;
  /** Another instance on the same database and Redis, when a suite needs two. */
  startInstance(env?: Record<string, string | undefined>): Promise<TestApp>;
  /** Makes a key of the given role through the API and returns it. */
  createKey(role: 'admin' | 'operator' | 'viewer', extra?: Record<string, unknown>): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

/** One suite's world: its own database and Redis prefix, one API instance, more on demand. */
export async function startTestStack(env: Record<string, string | undefined> = {}): Promise<TestStack> {
  const db = await createTestDatabase();
  const redisPrefix = uniqueRedisPrefix();
  const instances: TestApp[] = [];
  const startInstance = async (more: Record<string, string | undefined> = {}) => {
    const instance = await startTestApp({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: redisPrefix, ...env, ...more });
    instances.push(instance);
    return instance;
  };
  const api = await startInstance();
  return {
    db,
    redisPrefix,
    api,
    startInstance,
    async createKey(role, extra = {}) {
      const res = await api.http
        .post('/api/v1/auth/keys')
        .set('X-API-Key', ADMIN_KEY)
        .send({ name: `${role}-${Math.random().toString(36).slice(2, 8)}`, role, ...extra });
      if (res.status !== 201) throw new Error(`could not create a ${role} key: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.data.id, key: res.body.data.key };
    },
    async close() {
      await Promise.all(instances.map((i) => i.close().catch(() => undefined)));
      await clearRedisPrefix(redisPrefix);
      await db.drop();
    },
  };
}

export async function clearRedisPrefix(prefix: string): Promise<void> {
  if (!testEnv.redisUrl) return;
  const redis = new Redis(testEnv.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      // Throttler counters are stored as `{<key>:<name>}:hits`, so they start with a brace.
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      cursor = next;
      const ours = keys.filter((k) => k.startsWith(prefix) || k.startsWith(`{${prefix}`));
      if (ours.length) await redis.del(...ours);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Checks the success envelope and returns its data. */
export function expectEnvelope(body: any, apiVersion: string | null = '1'): any {
  expect(body).toMatchObject({ success: true, meta: { request_id: expect.any(String), api_version: apiVersion, timestamp: expect.any(String) } });
  expect(typeof body.meta.execution_time_ms).toBe('number');
  return body.data;
}

/** Checks the error envelope with the given code. */
export function expectError(res: { status: number; body: any }, status: number, code: string): any {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.body).toMatchObject({
    success: false,
    error: { code, message: expect.any(String), help_url: expect.stringContaining('/docs/errors#') },
    meta: { request_id: expect.any(String), timestamp: expect.any(String) },
  });
  return res.body.error;
}
