import { randomUUID } from 'node:crypto';
import { CheckResultEntity } from '@vigil/checks';
import { EndpointEntity, firstSlotAfter, type RetryPolicy } from '@vigil/endpoints';
import { MIGRATIONS } from '@vigil/migrations';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';

export interface MonitoringDatabase {
  db: TestDatabase;
  /** Migrated; entities of endpoints and check results. */
  dataSource: DataSource;
  close(): Promise<void>;
}

/** A fresh database with every migration applied. */
export async function createMonitoringDatabase(poolSize = 12): Promise<MonitoringDatabase> {
  const db = await createTestDatabase();
  const dataSource = new DataSource({
    type: 'postgres',
    url: db.url,
    entities: [EndpointEntity, CheckResultEntity],
    migrations: MIGRATIONS,
    extra: { max: poolSize },
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    db,
    dataSource,
    async close() {
      await dataSource.destroy().catch(() => undefined);
      await db.drop();
    },
  };
}

export interface EndpointSpec {
  url: string;
  intervalS: number;
  timeoutMs?: number;
  retry?: RetryPolicy;
  isActive?: boolean;
  /** Default: the endpoint's first anchored slot after `slotsAfter` (default now). */
  nextCheckAt?: Date;
  slotsAfter?: Date;
  name?: string;
}

export interface InsertedEndpoint {
  id: string;
  name: string;
  intervalS: number;
  nextCheckAt: Date;
}

/** Inserts endpoints straight into the table (intervals below the API's minimum are allowed here). */
export async function insertEndpoints(dataSource: DataSource, specs: EndpointSpec[]): Promise<InsertedEndpoint[]> {
  const rows = specs.map((s, i) => {
    const id = randomUUID();
    return {
      id,
      name: s.name ?? `e${i}-${id.slice(0, 8)}`,
      url: s.url,
      intervalS: s.intervalS,
      timeoutMs: s.timeoutMs ?? 2000,
      retry: s.retry ?? { count: 0, initial_backoff_ms: 100, factor: 2 },
      isActive: s.isActive ?? true,
      nextCheckAt: s.nextCheckAt ?? firstSlotAfter(id, s.intervalS, s.slotsAfter ?? new Date()),
    };
  });
  await dataSource.query(
    `INSERT INTO endpoints (id, name, url, method, interval_s, timeout_ms, expected_status, retry, is_active, status, next_check_at)
     SELECT id, name, url, 'GET', interval_s, timeout_ms, '200'::jsonb, retry, is_active, CASE WHEN is_active THEN 'pending' ELSE 'paused' END, next_check_at
     FROM unnest($1::uuid[], $2::varchar[], $3::text[], $4::int[], $5::int[], $6::jsonb[], $7::boolean[], $8::timestamptz[])
       AS t(id, name, url, interval_s, timeout_ms, retry, is_active, next_check_at)`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.name),
      rows.map((r) => r.url),
      rows.map((r) => r.intervalS),
      rows.map((r) => r.timeoutMs),
      rows.map((r) => JSON.stringify(r.retry)),
      rows.map((r) => r.isActive),
      rows.map((r) => r.nextCheckAt),
    ],
  );
  return rows.map(({ id, name, intervalS, nextCheckAt }) => ({ id, name, intervalS, nextCheckAt }));
}

export interface StoredSlot {
  endpoint_id: string;
  scheduled_for: Date;
  worker: string;
  success: boolean;
  reason: string | null;
  message: string | null;
}

/** Every scheduled result, per endpoint in slot order. */
export async function storedSlots(dataSource: DataSource): Promise<Map<string, StoredSlot[]>> {
  const rows: StoredSlot[] = await dataSource.query(
    `SELECT endpoint_id, scheduled_for, worker, success, reason, message FROM check_results WHERE scheduled_for IS NOT NULL ORDER BY endpoint_id, scheduled_for`,
  );
  const byEndpoint = new Map<string, StoredSlot[]>();
  for (const r of rows) byEndpoint.set(r.endpoint_id, [...(byEndpoint.get(r.endpoint_id) ?? []), r]);
  return byEndpoint;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a truthy value (returned), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
