import { randomUUID } from 'node:crypto';
import { type CheckOutcome, CheckRecorder, type ScheduledCheckResult } from '@vigil/checks';
import { LatencyHistogram } from '@vigil/uptime';

/** Runs SQL on the suite's database (a DataSource, or a pg client wrapper in e2e suites). */
export type Sql = <T = any>(sql: string, params?: unknown[]) => Promise<T[]>;

/** A small seeded PRNG (mulberry32): the same results on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A log-normal-ish latency with a heavy tail: mostly around `medianMs`, sometimes 0, sometimes very slow. */
export function latency(rnd: () => number, medianMs = 80): number {
  const u = rnd();
  if (u < 0.02) return 0;
  if (u > 0.995) return Math.round(5_000 + rnd() * 55_000);
  const normal = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  return Math.max(0, Math.round(medianMs * Math.exp(0.6 * normal)));
}

export interface PlannedCheck {
  endpointId: string;
  checkedAt: Date;
  success: boolean;
  responseTimeMs: number;
  attempts?: number;
}

export function outcomeOf(c: PlannedCheck): CheckOutcome {
  return {
    success: c.success,
    status_code: c.success ? 200 : 503,
    response_time_ms: c.responseTimeMs,
    reason: c.success ? null : 'status_mismatch',
    message: c.success ? null : 'expected 200, got 503',
    attempts: c.attempts ?? 1,
    timings: { dns_ms: 0, connect_ms: 1, tls_ms: 0, first_byte_ms: c.responseTimeMs, total_ms: c.responseTimeMs },
    assertions: [],
    checked_at: c.checkedAt,
  };
}

/** Inserts endpoints straight into the table, never due (the suites store results themselves). */
export async function insertEndpoints(sql: Sql, count: number, tags: string[] = []): Promise<Array<{ id: string; name: string }>> {
  const rows = Array.from({ length: count }, (_, i) => ({ id: randomUUID(), name: `uptime-${i}-${randomUUID().slice(0, 8)}` }));
  await sql(
    `INSERT INTO endpoints (id, name, url, method, interval_s, timeout_ms, expected_status, retry, tags, next_check_at)
     SELECT id, name, 'https://example.com/health', 'GET', 60, 5000, '200'::jsonb, '{"count":0,"initial_backoff_ms":100,"factor":2}'::jsonb, $3::text[], 'infinity'
     FROM unnest($1::uuid[], $2::varchar[]) AS t(id, name)`,
    [rows.map((r) => r.id), rows.map((r) => r.name), tags],
  );
  return rows;
}

/**
 * Stores checks through the real write path, CheckRecorder.recordScheduled, in batches of at most one
 * check per endpoint (as a worker's batch holds one slot per endpoint): each round makes `worker` the
 * endpoints' owner at their current slot, as an adoption would, then records the round in one call.
 */
export async function recordScheduled(sql: Sql, recorder: CheckRecorder, checks: PlannedCheck[], worker = `w-${randomUUID().slice(0, 6)}`): Promise<number> {
  const rounds: PlannedCheck[][] = [];
  const roundOf = new Map<string, number>();
  for (const c of checks) {
    const n = roundOf.get(c.endpointId) ?? 0;
    roundOf.set(c.endpointId, n + 1);
    (rounds[n] ??= []).push(c);
  }
  let stored = 0;
  for (const round of rounds) {
    const leased: Array<{ id: string; next_check_at: Date }> = await sql(
      // A CTE, so the answer is rows whatever the driver does with UPDATE results.
      `WITH leased AS (
         UPDATE endpoints SET lease_owner = $1,
                              next_check_at = CASE WHEN next_check_at = 'infinity' THEN '2020-01-01' ELSE next_check_at END
         WHERE id = ANY($2::uuid[]) RETURNING id, next_check_at
       )
       SELECT * FROM leased`,
      [worker, round.map((c) => c.endpointId)],
    );
    const byId = new Map(leased.map((l) => [l.id, l]));
    const results: ScheduledCheckResult[] = round.map((c) => {
      const l = byId.get(c.endpointId)!;
      return { endpointId: l.id, slot: l.next_check_at, leaseUntil: new Date(Date.now() + 300_000), outcome: outcomeOf(c) };
    });
    stored += (await recorder.recordScheduled(worker, results)).length;
  }
  return stored;
}

/**
 * Puts the compaction watermark at `at` (a UTC hour), as on a database migrated then: results from that hour
 * on reach only their minute rows until RollupCompactionService compacts their hour; earlier ones are late.
 */
export async function setCompactedUntil(sql: Sql, at: Date | string): Promise<void> {
  await sql('UPDATE uptime_compaction SET compacted_until = $1', [new Date(at)]);
}

export async function compactedUntil(sql: Sql): Promise<string> {
  const [row] = await sql<{ until: Date }>('SELECT compacted_until AS until FROM uptime_compaction');
  return new Date(row.until).toISOString();
}

export interface RollupRow {
  endpoint_id: string;
  bucket_start: string;
  checks: number;
  successes: number;
  retried_successes: number;
  maintenance_checks: number;
  maintenance_successes: number;
  rt_sum: string;
  rt_min: number | null;
  rt_max: number | null;
  rt_hist: string;
}

/** A rollup table as stored, in key order. */
export async function rollupRows(sql: Sql, unit: 'minute' | 'hour' | 'day'): Promise<RollupRow[]> {
  return sql(
    `SELECT endpoint_id, to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS bucket_start, checks, successes, retried_successes,
            maintenance_checks, maintenance_successes, rt_sum::text, rt_min, rt_max, rt_hist::text
     FROM uptime_${unit} ORDER BY endpoint_id, bucket_start`,
  );
}

/** What the rollup table should hold, computed from check_results with GROUP BY (the histogram from the raw latencies). */
export async function expectedRollupRows(sql: Sql, unit: 'minute' | 'hour' | 'day'): Promise<RollupRow[]> {
  const rows: Array<Omit<RollupRow, 'rt_hist'> & { latencies: number[] | null }> = await sql(
    `SELECT endpoint_id, to_char(date_trunc('${unit}', checked_at, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS bucket_start,
            count(*)::int AS checks, count(*) FILTER (WHERE success)::int AS successes,
            count(*) FILTER (WHERE success AND attempts > 1)::int AS retried_successes,
            count(*) FILTER (WHERE in_maintenance)::int AS maintenance_checks, count(*) FILTER (WHERE in_maintenance AND success)::int AS maintenance_successes,
            coalesce(sum(response_time_ms) FILTER (WHERE success), 0)::text AS rt_sum,
            min(response_time_ms) FILTER (WHERE success) AS rt_min, max(response_time_ms) FILTER (WHERE success) AS rt_max,
            array_agg(response_time_ms) FILTER (WHERE success) AS latencies
     FROM check_results GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return rows.map(({ latencies, ...r }) => ({ ...r, rt_hist: LatencyHistogram.of(latencies ?? []).toNumeric() }));
}

/** Raw check_results of a window [from, to): counts and the latencies of successful checks (what rollups must agree with). */
export async function rawWindow(sql: Sql, from: Date, to: Date, endpointId?: string): Promise<{ checks: number; successes: number; latencies: number[] }> {
  const [row]: Array<{ checks: number; successes: number; latencies: number[] | null }> = await sql(
    `SELECT count(*)::int AS checks, count(*) FILTER (WHERE success)::int AS successes, array_agg(response_time_ms) FILTER (WHERE success) AS latencies
     FROM check_results WHERE checked_at >= $1 AND checked_at < $2 AND ($3::uuid IS NULL OR endpoint_id = $3)`,
    [from, to, endpointId ?? null],
  );
  return { checks: row.checks, successes: row.successes, latencies: row.latencies ?? [] };
}

/** Nearest-rank percentile of raw values: the ⌈p·N/100⌉-th smallest. */
export function exactPercentile(values: number[], percent: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((percent * sorted.length) / 100)) - 1];
}
