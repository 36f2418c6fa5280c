import type { VigilConfig } from '@vigil/config';
import type { DataSource } from 'typeorm';
import { createMonitoringDatabase, insertEndpoints, type MonitoringDatabase } from '../../../../test/checks/support/monitoring-db';
import { RETENTION_LOCK, type RetentionRun, RetentionService } from './retention.service';
import { UptimeRollupsRepository } from '../rollups/uptime-rollups.repository';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const NOW = new Date('2026-11-24T00:00:00.000Z');
const RAW_DAYS = 30;
// Shorter than raw on purpose: proves each table has its own cutoff.
const MINUTE_DAYS = 10;
const ROLLUP_DAYS = 400;
const BATCH = 3;

function config(batchPauseMs = 0): VigilConfig {
  return {
    retention: { rawDays: RAW_DAYS, minuteDays: MINUTE_DAYS, rollupDays: ROLLUP_DAYS, intervalS: 3600, batchSize: BATCH, batchPauseMs },
  } as unknown as VigilConfig;
}

const RAW_CUTOFF = NOW.getTime() - RAW_DAYS * DAY;
const MINUTE_CUTOFF = NOW.getTime() - MINUTE_DAYS * DAY;
const ROLLUP_CUTOFF = NOW.getTime() - ROLLUP_DAYS * DAY;

/** Per table: rows older than the cutoff (to go) and rows at or after it (to stay), as epoch ms. */
const PLAN = {
  check_results: {
    column: 'checked_at',
    old: [1, 2, DAY, 5 * DAY, 40 * DAY, 100 * DAY, 300 * DAY, 1000 * DAY].map((d) => RAW_CUTOFF - d),
    kept: [RAW_CUTOFF, RAW_CUTOFF + 1, RAW_CUTOFF + DAY, NOW.getTime() - 1],
  },
  uptime_minute: {
    column: 'bucket_start',
    old: [1, 2, 3, 4, 5, 6, 60].map((m) => MINUTE_CUTOFF - m * MINUTE),
    kept: [MINUTE_CUTOFF, MINUTE_CUTOFF + MINUTE, NOW.getTime() - MINUTE],
  },
  uptime_hour: {
    column: 'bucket_start',
    old: [1, 2, 3, 4, 5, 6].map((h) => ROLLUP_CUTOFF - h * HOUR),
    kept: [ROLLUP_CUTOFF, ROLLUP_CUTOFF + HOUR, NOW.getTime() - HOUR],
  },
  uptime_day: {
    column: 'bucket_start',
    old: [1, 2, 3, 4, 5].map((d) => ROLLUP_CUTOFF - d * DAY),
    kept: [ROLLUP_CUTOFF, ROLLUP_CUTOFF + DAY, NOW.getTime() - DAY],
  },
} as const;
type Table = keyof typeof PLAN;
const TABLES = Object.keys(PLAN) as Table[];

async function seed(ds: DataSource, endpointId: string): Promise<void> {
  const raw = [...PLAN.check_results.old, ...PLAN.check_results.kept].map((t) => new Date(t));
  await ds.query(
    `INSERT INTO check_results (endpoint_id, checked_at, success, response_time_ms, attempts, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms)
     SELECT $1, t, true, 10, 1, 0, 0, 0, 10, 10 FROM unnest($2::timestamptz[]) AS t`,
    [endpointId, raw],
  );
  for (const table of ['uptime_minute', 'uptime_hour', 'uptime_day'] as const) {
    const buckets = [...PLAN[table].old, ...PLAN[table].kept].map((t) => new Date(t));
    await ds.query(
      `INSERT INTO ${table} (endpoint_id, bucket_start, checks, successes, retried_successes, maintenance_checks, maintenance_successes, rt_sum, rt_min, rt_max)
       SELECT $1, t, 1, 1, 0, 0, 0, 10, 10, 10 FROM unnest($2::timestamptz[]) AS t`,
      [endpointId, buckets],
    );
  }
  // A resolved incident long past every cutoff: retention must leave it.
  const longAgo = new Date(NOW.getTime() - 1000 * DAY);
  await ds.query(
    `INSERT INTO incidents (endpoint_id, endpoint_name, started_at, resolved_at, resolution, first_failure_at, last_failure_at)
     VALUES ($1, 'e', $2, $3, 'recovered', $2, $2)`,
    [endpointId, longAgo, new Date(longAgo.getTime() + HOUR)],
  );
}

async function times(ds: DataSource, table: Table): Promise<number[]> {
  const rows = (await ds.query(`SELECT ${PLAN[table].column} AS t FROM ${table} ORDER BY 1`)) as Array<{ t: Date }>;
  return rows.map((r) => r.t.getTime());
}

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

function expectRan(run: RetentionRun): Extract<RetentionRun, { skipped: false }> {
  expect(run.skipped).toBe(false);
  return run as Extract<RetentionRun, { skipped: false }>;
}

describe('RetentionService (real PostgreSQL)', () => {
  let mdb: MonitoringDatabase;
  let ds: DataSource;
  let endpointId: string;

  beforeAll(async () => {
    mdb = await createMonitoringDatabase(6);
    ds = mdb.dataSource;
  });
  afterAll(() => mdb?.close());
  beforeEach(async () => {
    await ds.query('TRUNCATE endpoints, check_results, uptime_minute, uptime_hour, uptime_day CASCADE');
    [{ id: endpointId }] = await insertEndpoints(ds, [{ url: 'http://127.0.0.1:1/', intervalS: 60 }]);
    await seed(ds, endpointId);
  });

  it('deletes, in several batches, exactly the rows older than each table’s cutoff; a row at the cutoff stays; incidents stay', async () => {
    const run = expectRan(await new RetentionService(ds, config(), new UptimeRollupsRepository()).runOnce(NOW));

    for (const table of TABLES) {
      expect({ table, left: await times(ds, table) }).toEqual({ table, left: sorted(PLAN[table].kept) });
      const result = run.tables.find((t) => t.table === table);
      expect(result).toMatchObject({ deleted: PLAN[table].old.length });
      // Batches of 3: every table needed more than one.
      expect(result!.batches).toBeGreaterThanOrEqual(Math.ceil(PLAN[table].old.length / BATCH));
      expect(result!.batches).toBeGreaterThan(1);
    }
    expect(run.tables.map((t) => t.table)).toEqual(TABLES);
    expect(run.tables.find((t) => t.table === 'check_results')!.cutoff.getTime()).toBe(RAW_CUTOFF);
    expect(run.tables.find((t) => t.table === 'uptime_minute')!.cutoff.getTime()).toBe(MINUTE_CUTOFF);
    expect(run.tables.find((t) => t.table === 'uptime_day')!.cutoff.getTime()).toBe(ROLLUP_CUTOFF);
    expect(run.deleted).toBe(TABLES.reduce((sum, t) => sum + PLAN[t].old.length, 0));

    const [{ n }] = (await ds.query('SELECT count(*)::int AS n FROM incidents')) as Array<{ n: number }>;
    expect(n).toBe(1);

    // A second run finds nothing more to delete.
    const again = expectRan(await new RetentionService(ds, config(), new UptimeRollupsRepository()).runOnce(NOW));
    expect(again.deleted).toBe(0);
    for (const table of TABLES) expect(await times(ds, table)).toEqual(sorted(PLAN[table].kept));
  });

  it('walks every endpoint for raw results, more endpoints than a batch holds, and deletes only their old rows', async () => {
    const more = await insertEndpoints(
      ds,
      Array.from({ length: 3 * BATCH + 1 }, () => ({ url: 'http://127.0.0.1:1/', intervalS: 60 })),
    );
    const old = [RAW_CUTOFF - 1, RAW_CUTOFF - DAY];
    const kept = [RAW_CUTOFF, NOW.getTime() - 1];
    for (const e of more) {
      await ds.query(
        `INSERT INTO check_results (endpoint_id, checked_at, success, response_time_ms, attempts, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms)
         SELECT $1, t, true, 10, 1, 0, 0, 0, 10, 10 FROM unnest($2::timestamptz[]) AS t`,
        [e.id, [...old, ...kept].map((t) => new Date(t))],
      );
    }
    const run = expectRan(await new RetentionService(ds, config(), new UptimeRollupsRepository()).runOnce(NOW));
    expect(run.tables.find((t) => t.table === 'check_results')).toMatchObject({ deleted: PLAN.check_results.old.length + more.length * old.length });
    const left: Array<{ endpoint_id: string; t: Date }> = await ds.query(
      `SELECT endpoint_id, checked_at AS t FROM check_results ORDER BY endpoint_id, checked_at`,
    );
    const byEndpoint = new Map<string, number[]>();
    for (const r of left) byEndpoint.set(r.endpoint_id, [...(byEndpoint.get(r.endpoint_id) ?? []), r.t.getTime()]);
    expect(byEndpoint.get(endpointId)).toEqual(sorted(PLAN.check_results.kept));
    for (const e of more) expect(byEndpoint.get(e.id)).toEqual(kept);
  });

  it('keeps the minute rows of hours not compacted yet, however old: their hour and day rows are still to be made of them', async () => {
    const compactedUntil = MINUTE_CUTOFF - HOUR;
    await ds.query('UPDATE uptime_compaction SET compacted_until = $1', [new Date(compactedUntil)]);
    try {
      const run = expectRan(await new RetentionService(ds, config(), new UptimeRollupsRepository()).runOnce(NOW));
      expect(run.tables.find((t) => t.table === 'uptime_minute')).toMatchObject({ cutoff: new Date(compactedUntil), deleted: 0 });
      expect(await times(ds, 'uptime_minute')).toEqual(sorted([...PLAN.uptime_minute.old, ...PLAN.uptime_minute.kept]));
      for (const table of ['check_results', 'uptime_hour', 'uptime_day'] as const) expect(await times(ds, table)).toEqual(sorted(PLAN[table].kept));
    } finally {
      await ds.query(`UPDATE uptime_compaction SET compacted_until = date_trunc('hour', now(), 'UTC')`);
    }
  });

  it('skips the run while another process holds the retention lock', async () => {
    const other = ds.createQueryRunner();
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK]);
      expect(await new RetentionService(ds, config(), new UptimeRollupsRepository()).runOnce(NOW)).toEqual({ skipped: true });
      for (const table of TABLES) expect((await times(ds, table)).length).toBe(PLAN[table].old.length + PLAN[table].kept.length);
      await other.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
    } finally {
      await other.release();
    }
    expect(expectRan(await new RetentionService(ds, config(), new UptimeRollupsRepository()).runOnce(NOW)).deleted).toBeGreaterThan(0);
    for (const table of TABLES) expect(await times(ds, table)).toEqual(sorted(PLAN[table].kept));
  });

  it('of two concurrent runs (two instances, as two processes), only one runs', async () => {
    let enteredPause!: () => void;
    const paused = new Promise<void>((resolve) => (enteredPause = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    /** Holds its run inside the first pause between batches, until the test opens the gate. */
    class HeldRetention extends RetentionService {
      protected override pause(): Promise<void> {
        enteredPause();
        return gate;
      }
    }

    const first = new HeldRetention(ds, config(), new UptimeRollupsRepository()).runOnce(NOW);
    await paused;
    // The first run has deleted one batch and holds the lock: the second does nothing.
    expect(await new RetentionService(ds, config(), new UptimeRollupsRepository()).runOnce(NOW)).toEqual({ skipped: true });
    expect((await times(ds, 'check_results')).length).toBe(PLAN.check_results.old.length + PLAN.check_results.kept.length - BATCH);

    release();
    const run = expectRan(await first);
    expect(run.deleted).toBe(TABLES.reduce((sum, t) => sum + PLAN[t].old.length, 0));
    for (const table of TABLES) expect(await times(ds, table)).toEqual(sorted(PLAN[table].kept));
    // The lock was released: the next run runs.
    expect(expectRan(await new RetentionService(ds, config(), new UptimeRollupsRepository()).runOnce(NOW)).deleted).toBe(0);
  });
});
