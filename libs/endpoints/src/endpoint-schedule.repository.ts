import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type PgArrayElement, pgArrayLiteral } from '@vigil/database';
import type { EndpointStatus } from '@vigil/events';
import type { EntityManager, Repository } from 'typeorm';
import { EndpointEntity } from './endpoint.entity';

/** What a worker needs of a claimed endpoint to run its check and store the result. */
export type ClaimedEndpoint = Pick<
  EndpointEntity,
  'id' | 'name' | 'url' | 'method' | 'timeoutMs' | 'expectedStatus' | 'headers' | 'body' | 'retry' | 'assertions'
>;

/** An endpoint claimed by a worker for one slot. */
export interface ClaimedSlot {
  endpoint: ClaimedEndpoint;
  /** The due time being run (`next_check_at` when claimed); results are stored against it. */
  slot: Date;
  leaseUntil: Date;
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
 * Worst-case duration of one check in ms, as the checker bounds it (worstCaseCheckMs): every attempt times
 * out, and every backoff is at its +20 % jitter bound, `initial * max(1, factor)^i` before retry i+1. The
 * lease must outlive it or a slow check would be taken over while it still runs.
 */
const RETRIES = `GREATEST(0, COALESCE((e.retry->>'count')::int, 0))`;
const FACTOR = `GREATEST(1, COALESCE((e.retry->>'factor')::float8, 1))`;
const CHECK_BUDGET_MS = `(
  e.timeout_ms * (1 + ${RETRIES})
  + 1.2 * GREATEST(0, COALESCE((e.retry->>'initial_backoff_ms')::float8, 0))
        * CASE WHEN ${FACTOR} = 1 THEN ${RETRIES} ELSE (power(${FACTOR}, ${RETRIES}) - 1) / (${FACTOR} - 1) END
)`;

/**
 * Timestamps travel as epoch milliseconds (float8, exact for whole ms) on the hot path: pg's text date parsing
 * and formatting cost more than the rest of a row. `timestamptz(3)` holds whole milliseconds, so nothing is lost.
 */
const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

const STATE_COLUMNS = `e.id, e.name, e.is_active, e.status, ${epochMs('e.status_since')} AS status_since_ms, e.consecutive_failures,
  e.consecutive_successes, e.interval_s, ${epochMs('e.next_check_at')} AS next_check_ms`;

/** Only what the checker and the result writer need: the whole row (tags, state, timestamps) is not read per check. */
const CLAIM_COLUMNS = `e.id, e.name, e.url, e.method, e.timeout_ms, e.expected_status, e.headers, e.body, e.retry, e.assertions,
  ${epochMs('e.next_check_at')} AS slot_ms, ${epochMs('e.lease_until')} AS lease_until_ms`;

/**
 * The scheduler's SQL on the endpoints table: claiming due slots under a lease, and completing them
 * (state + next slot) only while the lease is still this worker's. The checks library changes an
 * endpoint's state and schedule only through this class.
 */
@Injectable()
export class EndpointScheduleRepository {
  constructor(@InjectRepository(EndpointEntity) private readonly endpoints: Repository<EndpointEntity>) {}

  /**
   * Claims up to `limit` due endpoints for `owner` in one statement, oldest slot first.
   * - `FOR UPDATE SKIP LOCKED` in the CTE: concurrent claimers skip the rows another claim is locking
   *   instead of waiting for it, so workers never block each other and never get the same row.
   * - The lease (`lease_until` in the future) keeps the row taken once this statement commits and the row
   *   lock is gone; the rows of a worker that dies become claimable again when their lease passes. READ COMMITTED re-checks the WHERE on the newest row version after locking,
   *   so a row another worker claimed a moment ago is skipped, not claimed twice.
   * - `ORDER BY next_check_at LIMIT n` walks the partial index endpoints_due_idx; `n` is the caller's
   *   free capacity, so nothing is claimed that cannot start at once.
   * - Paused endpoints (`NOT is_active`) are never claimed.
   * - Only the columns a check needs come back (CLAIM_COLUMNS), mapped by hand: this runs for every check.
   */
  async claimDue(owner: string, limit: number, leaseS: number): Promise<ClaimedSlot[]> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [rows]: [ClaimRow[], number] = await this.endpoints.query(
      `WITH due AS (
         SELECT id
         FROM endpoints
         WHERE is_active
           AND next_check_at <= now()
           AND (lease_until IS NULL OR lease_until < now())
         ORDER BY next_check_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE endpoints e
       SET lease_until = now() + ${CHECK_BUDGET_MS} * interval '1 millisecond' + $2 * interval '1 second',
           lease_owner = $3
       FROM due
       WHERE e.id = due.id
       RETURNING ${CLAIM_COLUMNS}`,
      [limit, leaseS, owner],
    );
    // RETURNING has no order of its own: oldest slot first, as claimed.
    rows.sort((a, b) => a.slot_ms - b.slot_ms);
    return rows.map((r) => ({
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
      slot: new Date(r.slot_ms),
      leaseUntil: new Date(r.lease_until_ms),
    }));
  }

  /**
   * Fencing: locks and returns the endpoints whose row still carries `owner`'s lease for the given slot.
   * A slot whose lease expired and was claimed by another worker (or whose schedule was changed) is
   * left out, so its result is dropped instead of overwriting the newer owner's work. Rows are locked in
   * id order so concurrent writers (another batch, a manual check) cannot deadlock. `now` is the
   * database's clock, the one claims compare slots with, so every worker computes next slots alike.
   */
  async lockLeased(manager: EntityManager, owner: string, slots: Array<{ endpointId: string; slot: Date }>): Promise<{ now: Date; states: EndpointState[] }> {
    if (slots.length === 0) return { now: new Date(), states: [] };
    const rows: StateRow[] = await manager.query(
      `SELECT ${STATE_COLUMNS}, ${epochMs('now()')} AS db_now_ms
       FROM endpoints e
       JOIN unnest($2::uuid[], $3::float8[]) AS s(id, slot_ms) ON s.id = e.id AND e.next_check_at = to_timestamp(s.slot_ms / 1000)
       WHERE e.lease_owner = $1
       ORDER BY e.id
       FOR UPDATE OF e`,
      [owner, pgArrayLiteral(slots.map((s) => s.endpointId)), pgArrayLiteral(slots.map((s) => s.slot.getTime()))],
    );
    // No row locked means nothing to store, so the fallback clock is never used for a slot.
    return { now: rows.length ? new Date(rows[0].db_now_ms!) : new Date(), states: rows.map(toState) };
  }

  /** Locks one endpoint for a manual check's result; null when it no longer exists. */
  async lockOne(manager: EntityManager, id: string): Promise<EndpointState | null> {
    const rows: StateRow[] = await manager.query(`SELECT ${STATE_COLUMNS} FROM endpoints e WHERE e.id = $1 FOR UPDATE`, [id]);
    return rows.length ? toState(rows[0]) : null;
  }

  /**
   * Writes new states in one statement. With `nextCheckAt` the schedule moves to that slot and the lease
   * is cleared: callers pass it only for rows locked by lockLeased, in the transaction that stored the
   * slot's result, so the schedule advances exactly when the result is stored.
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
         next_check_at = COALESCE(to_timestamp(u.next_check_at_ms / 1000), e.next_check_at),
         lease_until = CASE WHEN u.next_check_at_ms IS NULL THEN e.lease_until END,
         lease_owner = CASE WHEN u.next_check_at_ms IS NULL THEN e.lease_owner END
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

  /**
   * Gives back leases `owner` still holds (a stopping worker's unfinished checks) so another worker can
   * claim those slots at once instead of waiting for the lease to expire. Returns how many were released.
   */
  async releaseLeases(owner: string): Promise<number> {
    const [, count]: [unknown[], number] = await this.endpoints.query(`UPDATE endpoints SET lease_until = NULL, lease_owner = NULL WHERE lease_owner = $1`, [
      owner,
    ]);
    return count;
  }
}

interface ClaimRow {
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
  slot_ms: number;
  lease_until_ms: number;
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
