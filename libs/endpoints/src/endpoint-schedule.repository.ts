import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type PgArrayElement, pgArrayLiteral } from '@vigil/database';
import type { EndpointStatus } from '@vigil/events';
import type { EntityManager, Repository } from 'typeorm';
import { EndpointEntity } from './endpoint.entity';

/** What a worker needs of an endpoint it owns to run its checks and store their results. */
export type ScheduledEndpoint = Pick<
  EndpointEntity,
  'id' | 'name' | 'url' | 'method' | 'timeoutMs' | 'expectedStatus' | 'headers' | 'body' | 'retry' | 'assertions'
>;

/** An endpoint a worker owns: what it needs to run its checks, and its schedule as the database has it. */
export interface OwnedEndpoint {
  endpoint: ScheduledEndpoint;
  intervalS: number;
  /** The due slot (`next_check_at`); results are stored against it. */
  slot: Date;
  /** `updated_at` in ms: a newer value means the definition changed. */
  updatedAtMs: number;
}

/** An owned endpoint's schedule as the database has it (the owner's reconcile compares it with memory). */
export interface OwnedSlot {
  id: string;
  slotMs: number;
  updatedAtMs: number;
}

/** What a worker's heartbeat learns of the pool. */
export interface PoolStats {
  /** Active endpoints in all. */
  active: number;
  /** Workers whose heartbeat has not passed (this one included). */
  live: number;
  /** Owners of endpoints whose heartbeat has passed or who have none: their endpoints are free to adopt. */
  deadOwners: string[];
}

/** The derived state of an endpoint, read under a row lock before a result changes it. */
export interface EndpointState {
  id: string;
  name: string;
  isActive: boolean;
  status: EndpointStatus;
  statusSince: Date;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  intervalS: number;
  nextCheckAt: Date;
}

/** What one stored result changes on its endpoint. */
export interface EndpointStateUpdate {
  id: string;
  status: EndpointStatus;
  statusSince: Date;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** The stored result; null keeps the last_* columns as they are. */
  lastCheck: { id: string; checkedAt: Date; success: boolean; statusCode: number | null; responseTimeMs: number; reason: string | null } | null;
  /** Scheduled checks: the next slot, and the lease is cleared. Absent (manual checks): the schedule is not touched. */
  nextCheckAt?: Date;
}

/**
 * Timestamps travel as epoch milliseconds (float8, exact for whole ms) on the hot path: pg's text date parsing
 * and formatting cost more than the rest of a row. `timestamptz(3)` holds whole milliseconds, so nothing is lost.
 */
const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

const STATE_COLUMNS = `e.id, e.name, e.is_active, e.status, ${epochMs('e.status_since')} AS status_since_ms, e.consecutive_failures,
  e.consecutive_successes, e.interval_s, ${epochMs('e.next_check_at')} AS next_check_ms`;

/** Only what the checker and the result writer need: the whole row (tags, state) is not read by a worker. */
const OWNED_COLUMNS = `e.id, e.name, e.url, e.method, e.timeout_ms, e.expected_status, e.headers, e.body, e.retry, e.assertions,
  e.interval_s, ${epochMs('e.next_check_at')} AS slot_ms, ${epochMs('e.updated_at')} AS updated_at_ms`;

/**
 * Active endpoints free to adopt: unowned (the partial index endpoints_unowned_idx finds them), or owned by one
 * of the dead owners in parameter `$n` (a scan, but only while some worker has died and not been taken over).
 */
function freeCondition(deadOwners: readonly string[], n = 1): string {
  return deadOwners.length
    ? `is_active AND (lease_owner IS NULL OR lease_owner = ANY($${n}::varchar[]))`
    : `is_active AND lease_owner IS NULL AND $${n}::varchar[] IS NOT NULL`;
}

/** A worker is alive while its heartbeat has not passed. */
const LIVE_WORKER = `SELECT 1 FROM scheduler_workers w WHERE w.id = e.lease_owner AND w.heartbeat_until > now()`;

/**
 * The scheduler's SQL: worker heartbeats, endpoint ownership (adopt, reconcile, release) and completing slots
 * (state + next slot) only while the endpoint is still owned by the worker that ran it. The checks library
 * changes an endpoint's state, schedule and owner only through this class (the API gives endpoints back to
 * the pool when it changes them, see EndpointsRepository.overwrite).
 */
@Injectable()
export class EndpointScheduleRepository {
  constructor(@InjectRepository(EndpointEntity) private readonly endpoints: Repository<EndpointEntity>) {}

  /**
   * Registers or renews `owner`'s heartbeat until `ttlS` seconds from now (database clock). `continued` is
   * false when there was no heartbeat still running: first registration, or the worker stalled past its
   * heartbeat, and others may have adopted some of its endpoints meanwhile (its reconcile finds out which).
   */
  async heartbeat(owner: string, ttlS: number): Promise<{ continued: boolean; dbNowMs: number }> {
    const [row]: Array<{ continued: boolean; db_now_ms: number }> = await this.endpoints.query(
      `WITH prev AS (SELECT heartbeat_until > now() AS alive FROM scheduler_workers WHERE id = $1)
       INSERT INTO scheduler_workers (id, heartbeat_until) VALUES ($1, now() + $2 * interval '1 second')
       ON CONFLICT (id) DO UPDATE SET heartbeat_until = EXCLUDED.heartbeat_until
       RETURNING COALESCE((SELECT alive FROM prev), false) AS continued, ${epochMs('now()')} AS db_now_ms`,
      [owner, ttlS],
    );
    return { continued: row.continued, dbNowMs: row.db_now_ms };
  }

  /**
   * Counts for the fair share (active endpoints, live workers) and the owners whose endpoints are free to
   * adopt. Also forgets workers dead for ten minutes that own nothing any more. One scan of endpoints: run
   * on the heartbeat's cadence, not per check.
   */
  async poolStats(): Promise<PoolStats> {
    await this.endpoints.query(
      `DELETE FROM scheduler_workers w
       WHERE w.heartbeat_until < now() - interval '10 minutes' AND NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.lease_owner = w.id)`,
    );
    const [row]: Array<{ active: number; live: number; dead: string[] }> = await this.endpoints.query(
      `SELECT (SELECT count(*)::int FROM endpoints WHERE is_active) AS active,
              (SELECT count(*)::int FROM scheduler_workers WHERE heartbeat_until > now()) AS live,
              ARRAY(SELECT DISTINCT e.lease_owner FROM endpoints e WHERE e.lease_owner IS NOT NULL AND NOT EXISTS (${LIVE_WORKER})) AS dead`,
    );
    return { active: row.active, live: row.live, deadOwners: row.dead };
  }

  /** Workers whose heartbeat has not passed: a cheap look (a handful of rows) each tick, to notice one joining or leaving. */
  async liveWorkers(): Promise<number> {
    const [row]: Array<{ n: number }> = await this.endpoints.query(`SELECT count(*)::int AS n FROM scheduler_workers WHERE heartbeat_until > now()`);
    return row.n;
  }

  /** Whether any active endpoint is free to adopt (unowned, or owned by one of `deadOwners`). */
  async anyFree(deadOwners: readonly string[] = []): Promise<boolean> {
    const [row]: Array<{ free: boolean }> = await this.endpoints.query(`SELECT EXISTS (SELECT 1 FROM endpoints WHERE ${freeCondition(deadOwners)}) AS free`, [
      pgArrayLiteral([...deadOwners]),
    ]);
    return row.free;
  }

  /**
   * `owner` adopts free active endpoints: unowned ones and those of `deadOwners`, soonest slot first, in one
   * statement. It takes at most `limit`, and at most its part of the free pool (free ÷ live workers,
   * rounded up), so workers that tick together share what is free instead of the first one taking it all.
   * - `FOR UPDATE SKIP LOCKED`: concurrent adopters skip rows another is locking instead of waiting, so
   *   workers never block each other and never adopt the same row; READ COMMITTED re-checks the WHERE on
   *   the newest row version after locking, so a row adopted a moment ago is skipped.
   * - A row being stored by its dead owner's last batch is locked, so it is skipped until that commits, and
   *   then adopted with its schedule moved on: the slot is never run twice.
   */
  async adopt(owner: string, limit: number, deadOwners: readonly string[] = []): Promise<OwnedEndpoint[]> {
    const FREE = freeCondition(deadOwners, 3);
    const [rows]: [OwnedRow[], number] = await this.endpoints.query(
      `WITH share AS (
         SELECT ceil((SELECT count(*) FROM endpoints WHERE ${FREE})::float8
                     / GREATEST(1, (SELECT count(*) FROM scheduler_workers WHERE heartbeat_until > now())))::int AS n
       ), free AS (
         SELECT id FROM endpoints
         WHERE ${FREE}
         ORDER BY next_check_at
         LIMIT LEAST($1, (SELECT n FROM share))
         FOR UPDATE SKIP LOCKED
       )
       UPDATE endpoints e SET lease_owner = $2
       FROM free
       WHERE e.id = free.id
       RETURNING ${OWNED_COLUMNS}`,
      [limit, owner, pgArrayLiteral([...deadOwners])],
    );
    return rows.map(toOwned);
  }

  /** The given endpoints (all when `ids` is absent) that are still active and owned by `owner`, with their definitions. */
  async loadOwned(owner: string, ids?: readonly string[]): Promise<OwnedEndpoint[]> {
    const rows: OwnedRow[] = ids
      ? await this.endpoints.query(`SELECT ${OWNED_COLUMNS} FROM endpoints e WHERE e.lease_owner = $1 AND e.is_active AND e.id = ANY($2::uuid[])`, [
          owner,
          pgArrayLiteral([...ids]),
        ])
      : await this.endpoints.query(`SELECT ${OWNED_COLUMNS} FROM endpoints e WHERE e.lease_owner = $1 AND e.is_active`, [owner]);
    return rows.map(toOwned);
  }

  /** The slot and definition version of every active endpoint `owner` owns: what its reconcile compares with memory. */
  async ownedSlots(owner: string): Promise<OwnedSlot[]> {
    const rows: Array<{ id: string; slot_ms: number; updated_at_ms: number }> = await this.endpoints.query(
      `SELECT e.id, ${epochMs('e.next_check_at')} AS slot_ms, ${epochMs('e.updated_at')} AS updated_at_ms
       FROM endpoints e WHERE e.lease_owner = $1 AND e.is_active`,
      [owner],
    );
    return rows.map((r) => ({ id: r.id, slotMs: r.slot_ms, updatedAtMs: r.updated_at_ms }));
  }

  /**
   * Gives back endpoints `owner` holds (the given ones, or all) so other workers adopt them at once: a
   * worker over its fair share, or one that stops. Returns how many were released.
   */
  async release(owner: string, ids?: readonly string[]): Promise<number> {
    const [, count]: [unknown[], number] = ids
      ? await this.endpoints.query(`UPDATE endpoints SET lease_owner = NULL WHERE lease_owner = $1 AND id = ANY($2::uuid[])`, [owner, pgArrayLiteral([...ids])])
      : await this.endpoints.query(`UPDATE endpoints SET lease_owner = NULL WHERE lease_owner = $1`, [owner]);
    return count;
  }

  /** Ends `owner`'s heartbeat (a clean stop, after releasing its endpoints). */
  async removeWorker(owner: string): Promise<void> {
    await this.endpoints.query(`DELETE FROM scheduler_workers WHERE id = $1`, [owner]);
  }

  /**
   * Fencing: locks and returns the given endpoints that `owner` still owns, with their state and current
   * slot. An endpoint adopted by another worker, released, or deleted is left out, and the caller stores
   * a result only when the row's slot is the one that ran, so a result is never stored over a newer
   * owner's work or a changed schedule. Rows are locked in id order so concurrent writers (another batch,
   * a manual check) cannot deadlock. `now` is the database's clock, so every worker computes next slots alike.
   */
  async lockOwned(manager: EntityManager, owner: string, ids: readonly string[]): Promise<{ now: Date; states: EndpointState[] }> {
    if (ids.length === 0) return { now: new Date(), states: [] };
    // By primary key only, owner compared here: a condition on lease_owner (the same value on every row
    // this worker owns) would let the planner scan all of them for a batch.
    const rows: Array<StateRow & { lease_owner: string | null }> = await manager.query(
      `SELECT ${STATE_COLUMNS}, e.lease_owner, ${epochMs('now()')} AS db_now_ms
       FROM endpoints e
       WHERE e.id = ANY($1::uuid[])
       ORDER BY e.id
       FOR UPDATE`,
      [pgArrayLiteral([...ids])],
    );
    // No row locked means nothing to store, so the fallback clock is never used for a slot.
    const now = rows.length ? new Date(rows[0].db_now_ms!) : new Date();
    return { now, states: rows.filter((r) => r.lease_owner === owner).map(toState) };
  }

  /** Locks one endpoint for a manual check's result; null when it no longer exists. */
  async lockOne(manager: EntityManager, id: string): Promise<EndpointState | null> {
    const rows: StateRow[] = await manager.query(`SELECT ${STATE_COLUMNS} FROM endpoints e WHERE e.id = $1 FOR UPDATE`, [id]);
    return rows.length ? toState(rows[0]) : null;
  }

  /**
   * Writes new states in one statement. With `nextCheckAt` the schedule moves to that slot: callers pass it
   * only for rows locked by lockOwned, in the transaction that stored the slot's result, so the schedule
   * advances exactly when the result is stored. No indexed column changes, so this is a HOT update.
   */
  async saveStates(manager: EntityManager, updates: EndpointStateUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const col = (pick: (u: EndpointStateUpdate) => PgArrayElement) => pgArrayLiteral(updates.map(pick));
    const ms = (d: Date | null | undefined) => (d ? d.getTime() : null);
    await manager.query(
      `UPDATE endpoints e SET
         status = u.status,
         status_since = to_timestamp(u.status_since_ms / 1000),
         consecutive_failures = u.consecutive_failures,
         consecutive_successes = u.consecutive_successes,
         last_check_id = CASE WHEN u.check_id IS NULL THEN e.last_check_id ELSE u.check_id END,
         last_checked_at = CASE WHEN u.check_id IS NULL THEN e.last_checked_at ELSE to_timestamp(u.checked_at_ms / 1000) END,
         last_success = CASE WHEN u.check_id IS NULL THEN e.last_success ELSE u.success END,
         last_status_code = CASE WHEN u.check_id IS NULL THEN e.last_status_code ELSE u.status_code END,
         last_response_time_ms = CASE WHEN u.check_id IS NULL THEN e.last_response_time_ms ELSE u.response_time_ms END,
         last_reason = CASE WHEN u.check_id IS NULL THEN e.last_reason ELSE u.reason END,
         next_check_at = COALESCE(to_timestamp(u.next_check_at_ms / 1000), e.next_check_at)
       FROM unnest($1::uuid[], $2::varchar[], $3::float8[], $4::int[], $5::int[], $6::bigint[], $7::float8[],
                   $8::boolean[], $9::int[], $10::int[], $11::varchar[], $12::float8[])
         AS u(id, status, status_since_ms, consecutive_failures, consecutive_successes, check_id, checked_at_ms,
              success, status_code, response_time_ms, reason, next_check_at_ms)
       WHERE e.id = u.id`,
      [
        col((u) => u.id),
        col((u) => u.status),
        col((u) => u.statusSince.getTime()),
        col((u) => u.consecutiveFailures),
        col((u) => u.consecutiveSuccesses),
        col((u) => u.lastCheck?.id ?? null),
        col((u) => ms(u.lastCheck?.checkedAt)),
        col((u) => u.lastCheck?.success ?? null),
        col((u) => u.lastCheck?.statusCode ?? null),
        col((u) => u.lastCheck?.responseTimeMs ?? null),
        col((u) => u.lastCheck?.reason ?? null),
        col((u) => ms(u.nextCheckAt)),
      ],
    );
  }
}

interface OwnedRow {
  id: string;
  name: string;
  url: string;
  method: EndpointEntity['method'];
  timeout_ms: number;
  expected_status: EndpointEntity['expectedStatus'];
  headers: EndpointEntity['headers'];
  body: string | null;
  retry: EndpointEntity['retry'];
  assertions: EndpointEntity['assertions'];
  interval_s: number;
  slot_ms: number;
  updated_at_ms: number;
}

function toOwned(r: OwnedRow): OwnedEndpoint {
  return {
    endpoint: {
      id: r.id,
      name: r.name,
      url: r.url,
      method: r.method,
      timeoutMs: r.timeout_ms,
      expectedStatus: r.expected_status,
      headers: r.headers,
      body: r.body,
      retry: r.retry,
      assertions: r.assertions,
    },
    intervalS: r.interval_s,
    slot: new Date(r.slot_ms),
    updatedAtMs: r.updated_at_ms,
  };
}

interface StateRow {
  id: string;
  name: string;
  is_active: boolean;
  status: EndpointStatus;
  status_since_ms: number;
  consecutive_failures: number;
  consecutive_successes: number;
  interval_s: number;
  next_check_ms: number;
  db_now_ms?: number;
}

function toState(r: StateRow): EndpointState {
  return {
    id: r.id,
    name: r.name,
    isActive: r.is_active,
    status: r.status,
    statusSince: new Date(r.status_since_ms),
    consecutiveFailures: r.consecutive_failures,
    consecutiveSuccesses: r.consecutive_successes,
    intervalS: r.interval_s,
    nextCheckAt: new Date(r.next_check_ms),
  };
}
