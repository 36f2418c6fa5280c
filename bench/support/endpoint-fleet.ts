import { randomUUID } from 'node:crypto';
import { MIGRATIONS } from '@vigil/migrations';
import { firstSlotAfter } from '@vigil/endpoints';
import { DataSource } from 'typeorm';
import { processCpu } from './proc-sampler';

/** What the worker stored for one window, read back from check_results. */
export interface WindowResults {
  /** Scheduled results whose check started (checked_at) inside the window. */
  completed: number;
  succeeded: number;
  failuresByReason: Record<string, number>;
  /** Slots due inside the window (scheduled_for) that have a stored result. */
  slotsStored: number;
  /** checked_at − scheduled_for over those slots, ms. */
  lagMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Results per second of the window, by checked_at: shows whether the rate held or sagged. */
  perSecond: number[];
  /** Results stored by more than one worker process (there is only one here: expected 1). */
  workers: number;
}

const INSERT_BATCH = 5000;

/**
 * The bench's endpoints, written straight into the scratch database: n GET endpoints with one interval, each
 * on its own path of the target. Rows are inserted unscheduled (`next_check_at = infinity`, never due) and
 * scheduled in one statement once the worker is up, so the first slots do not pile up while it starts.
 */
export class EndpointFleet {
  private ids: string[] = [];
  private firstSlots: number[] = [];

  private constructor(
    private readonly db: DataSource,
    readonly intervalS: number,
  ) {}

  /** Connects to the scratch database and applies every migration, as a Vigil process would at start. */
  static async open(databaseUrl: string, intervalS: number): Promise<EndpointFleet> {
    const db = new DataSource({ type: 'postgres', url: databaseUrl, migrations: MIGRATIONS, extra: { max: 2, application_name: 'vigil-bench' } });
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
    return new EndpointFleet(db, intervalS);
  }

  get size(): number {
    return this.ids.length;
  }

  async insert(count: number, targetBaseUrl: string): Promise<void> {
    // Defaults of an endpoint created through the API: timeout min(5 s, interval / 2), no retry, expect 200.
    const timeoutMs = Math.round(Math.min(5, this.intervalS / 2) * 1000);
    // Numbered after those already inserted: a second call adds endpoints (the saturated stretch needs more).
    const first = this.ids.length;
    for (let from = first; from < first + count; from += INSERT_BATCH) {
      const ids: string[] = [];
      const names: string[] = [];
      const urls: string[] = [];
      for (let i = from; i < Math.min(first + count, from + INSERT_BATCH); i++) {
        ids.push(randomUUID());
        names.push(`bench-${i}`);
        urls.push(`${targetBaseUrl}/e/${i}`);
      }
      await this.db.query(
        `INSERT INTO endpoints (id, name, url, method, interval_s, timeout_ms, expected_status, retry, tags, source, next_check_at)
         SELECT t.id, t.name, t.url, 'GET', $4, $5, '200'::jsonb, '{"count":0,"initial_backoff_ms":500,"factor":2}'::jsonb,
                '{bench}', 'bench', 'infinity'
         FROM unnest($1::uuid[], $2::varchar[], $3::text[]) AS t(id, name, url)`,
        [ids, names, urls, this.intervalS, timeoutMs],
      );
      this.ids.push(...ids);
    }
  }

  /** Gives every endpoint its first slot after `from` (stable per-endpoint offset, as the API does). */
  async schedule(from: number): Promise<void> {
    this.firstSlots = this.ids.map((id) => firstSlotAfter(id, this.intervalS, from).getTime());
    // Given back to the pool, as the API does when it changes an endpoint: the worker adopts them again with these slots.
    await this.db.query(
      `UPDATE endpoints e SET next_check_at = s.slot, lease_owner = NULL, updated_at = now()
       FROM unnest($1::uuid[], $2::timestamptz[]) AS s(id, slot) WHERE e.id = s.id`,
      [this.ids, this.firstSlots.map((t) => new Date(t))],
    );
  }

  /**
   * How many slots fall inside [from, to): each endpoint's slots are its first slot plus whole intervals,
   * so this is exact, whatever the worker did.
   */
  dueSlots(from: number, to: number): number {
    const intervalMs = this.intervalS * 1000;
    const upTo = (first: number, t: number) => Math.max(0, Math.ceil((t - first) / intervalMs));
    return this.firstSlots.reduce((n, first) => n + upTo(first, to) - upTo(first, from), 0);
  }

  /** The spread of first slots over one interval: count per tenth of it (an even spread shows ~n/10 each). */
  offsetSpread(): number[] {
    const intervalMs = this.intervalS * 1000;
    const start = Math.min(...this.firstSlots);
    const buckets = new Array<number>(10).fill(0);
    for (const t of this.firstSlots) buckets[Math.min(9, Math.floor(((t - start) / intervalMs) * 10))]++;
    return buckets;
  }

  /**
   * Saturation: every endpoint at `intervalS` and, unless a check of it is running, due now. With n/interval
   * far above what the worker can do, it runs flat out and its rate is its capacity (slots it cannot reach
   * in time are skipped by the scheduler, as designed, so the backlog never grows without bound).
   */
  async saturate(intervalS: number): Promise<void> {
    // Rows are locked in id order, the order the worker's result writer locks them in: a plain UPDATE takes
    // them in any order and can deadlock with a batch being stored (PostgreSQL then fails that batch). They
    // are given back to the pool, as the API does when it changes an endpoint: the worker drops its copies
    // (results of checks in flight are fenced out) and adopts them again with the new interval and slot.
    await this.db.query(
      `UPDATE endpoints e SET interval_s = $1, next_check_at = now(), lease_owner = NULL, updated_at = now()
       FROM (SELECT id FROM endpoints ORDER BY id FOR UPDATE) AS locked
       WHERE e.id = locked.id`,
      [intervalS],
    );
  }

  /** Endpoints that have no result yet (status `pending`): their first check changes their status. */
  async pendingCount(): Promise<number> {
    const [row]: Array<{ n: number }> = await this.db.query(`SELECT count(*)::int AS n FROM endpoints WHERE status = 'pending'`);
    return row.n;
  }

  /** A worker running its scheduler has a live heartbeat row. */
  async workerRegistered(): Promise<boolean> {
    const [row]: Array<{ n: number }> = await this.db.query(`SELECT count(*)::int AS n FROM scheduler_workers WHERE heartbeat_until > now()`);
    return row.n > 0;
  }

  /**
   * CPU seconds so far of each PostgreSQL backend serving the worker (its pool), read from /proc: only when the
   * server runs on this machine and its processes are visible; null otherwise. The worker's SQL runs there.
   */
  async workerBackendCpu(): Promise<Map<number, number> | null> {
    const rows: Array<{ pid: number }> = await this.db.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'vigil'`,
    );
    const seconds = new Map<number, number>();
    for (const { pid } of rows) {
      const cpu = processCpu(pid);
      if (cpu?.command.startsWith('postgres')) seconds.set(pid, cpu.seconds);
    }
    return seconds.size ? seconds : null;
  }

  async results(from: number, to: number): Promise<WindowResults> {
    const params = [new Date(from), new Date(to)];
    const [counts]: Array<{ completed: number; succeeded: number; slots_stored: number; workers: number }> = await this.db.query(
      `SELECT count(*) FILTER (WHERE checked_at >= $1 AND checked_at < $2)::int AS completed,
              count(*) FILTER (WHERE checked_at >= $1 AND checked_at < $2 AND success)::int AS succeeded,
              count(*) FILTER (WHERE scheduled_for >= $1 AND scheduled_for < $2)::int AS slots_stored,
              count(DISTINCT worker)::int AS workers
       FROM check_results
       WHERE NOT manual AND ((checked_at >= $1 AND checked_at < $2) OR (scheduled_for >= $1 AND scheduled_for < $2))`,
      params,
    );
    // Percentiles in SQL: the rows stay in the database, only five numbers travel.
    const [lag]: Array<{ p: number[] | null; max: number | null; mean: number | null }> = await this.db.query(
      `SELECT percentile_disc(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY l) AS p, max(l) AS max, avg(l) AS mean
       FROM (SELECT (extract(epoch FROM checked_at - scheduled_for) * 1000)::float8 AS l
             FROM check_results WHERE NOT manual AND scheduled_for >= $1 AND scheduled_for < $2) AS lags`,
      params,
    );
    const reasons: Array<{ reason: string | null; n: number }> = await this.db.query(
      `SELECT reason, count(*)::int AS n FROM check_results
       WHERE NOT manual AND NOT success AND checked_at >= $1 AND checked_at < $2 GROUP BY reason ORDER BY n DESC`,
      params,
    );
    const seconds: Array<{ s: number; n: number }> = await this.db.query(
      `SELECT floor(extract(epoch FROM checked_at - $1::timestamptz))::int AS s, count(*)::int AS n
       FROM check_results WHERE NOT manual AND checked_at >= $1 AND checked_at < $2 GROUP BY 1 ORDER BY 1`,
      params,
    );
    const perSecond = new Array<number>(Math.ceil((to - from) / 1000)).fill(0);
    for (const { s, n } of seconds) perSecond[s] = n;
    const [p50, p90, p99] = lag.p ?? [0, 0, 0];
    return {
      completed: counts.completed,
      succeeded: counts.succeeded,
      failuresByReason: Object.fromEntries(reasons.map((r) => [r.reason ?? 'none', r.n])),
      slotsStored: counts.slots_stored,
      lagMs: { p50: r1(p50), p90: r1(p90), p99: r1(p99), max: r1(lag.max ?? 0), mean: r1(lag.mean ?? 0) },
      perSecond,
      workers: counts.workers,
    };
  }

  /** Endpoints that are not the bench's: there must be none (nothing else may be checked). */
  async foreignEndpoints(): Promise<number> {
    const [row]: Array<{ n: number }> = await this.db.query(`SELECT count(*)::int AS n FROM endpoints WHERE source <> 'bench'`);
    return row.n;
  }

  async close(): Promise<void> {
    if (this.db.isInitialized) await this.db.destroy();
  }
}

function r1(ms: number): number {
  return Math.round(Number(ms) * 10) / 10;
}
