import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Where global-setup found PostgreSQL and Redis. */
export const testEnv = {
  pgAdminUrl: process.env.VIGIL_TEST_PG_ADMIN_URL!,
  redisUrl: process.env.VIGIL_TEST_REDIS_URL || undefined,
  runId: process.env.VIGIL_TEST_RUN_ID ?? 'local',
};

export const hasRedis = testEnv.redisUrl !== undefined;

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one suite; dropped by drop() (and by global teardown if a suite dies). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `vigil_t_${testEnv.runId}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: testEnv.pgAdminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(testEnv.pgAdminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: testEnv.pgAdminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A key prefix no other suite uses, so suites sharing one Redis never see each other's keys. */
export function uniqueRedisPrefix(): string {
  return `vigil-test:${testEnv.runId}:${randomBytes(4).toString('hex')}:`;
}

/**
 * A test whose claim needs Redis (budgets or records shared by instances, a Redis outage). Every normal
 * run has Redis (global-setup finds or starts one). Only under VIGIL_TEST_ALLOW_NO_REDIS=1 on a machine
 * without any is it left out, and the suite's `itWithoutRedis` tests prove the per-process stand-ins instead.
 */
export function itWithRedis(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (hasRedis) it(name, fn, timeout);
}

/** A test of the in-process stand-ins, registered only when the run has no Redis (see itWithRedis). */
export function itWithoutRedis(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (!hasRedis) it(name, fn, timeout);
}

/** A describe block that needs Redis, see itWithRedis. */
export function describeWithRedis(name: string, fn: () => void): void {
  if (hasRedis) describe(name, fn);
}
