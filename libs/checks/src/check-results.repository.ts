import { Injectable } from '@nestjs/common';
import { type PgArrayElement, pgArrayLiteral } from '@vigil/database';
import type { EntityManager } from 'typeorm';
import { CheckResultEntity } from './check-result.entity';
import type { CheckOutcome, PhaseTimings } from './check-types';

export interface NewCheckResult {
  endpointId: string;
  /** The slot; null for a manual check. */
  scheduledFor: Date | null;
  outcome: CheckOutcome;
  /** Ran inside a maintenance window (set by a record hook); false when absent. */
  inMaintenance?: boolean;
}

/** Who ran a batch of checks, and how: a scheduled batch is one worker's, a manual check is one row. */
export interface CheckOrigin {
  manual: boolean;
  /** The worker (or API instance) that ran the checks. */
  worker: string | null;
}

/** Longest failure message kept; the checker's messages are short, this only bounds a surprise. */
const MAX_MESSAGE = 2000;

/**
 * One batch of rows of one CheckOrigin: `manual` and `worker` travel once as scalars, the other columns as
 * one array each. Timings are five `real`
 * arrays, and an empty assertions list travels as NULL and is stored as the column's `[]`, so the database
 * parses no JSON for a result without assertions.
 */
const INSERT_SQL = `
  INSERT INTO check_results
    (endpoint_id, scheduled_for, checked_at, success, status_code, response_time_ms, reason, message, attempts,
     dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms, reused_connection, assertions, in_maintenance, manual, worker)
  SELECT u.endpoint_id, to_timestamp(u.scheduled_for_ms / 1000), to_timestamp(u.checked_at_ms / 1000), u.success, u.status_code,
         u.response_time_ms, u.reason, u.message, u.attempts,
         u.dns_ms, u.connect_ms, u.tls_ms, u.first_byte_ms, u.total_ms, u.reused_connection,
         COALESCE(u.assertions, '[]'::jsonb), u.in_maintenance, $18::boolean, $19::varchar
  FROM unnest($1::uuid[], $2::float8[], $3::float8[], $4::boolean[], $5::int[], $6::int[], $7::varchar[], $8::text[], $9::smallint[],
              $10::real[], $11::real[], $12::real[], $13::real[], $14::real[], $15::boolean[], $16::jsonb[], $17::boolean[])
    AS u(endpoint_id, scheduled_for_ms, checked_at_ms, success, status_code, response_time_ms, reason, message, attempts,
         dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms, reused_connection, assertions, in_maintenance)
  ON CONFLICT (endpoint_id, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
  RETURNING id, endpoint_id, (extract(epoch FROM scheduled_for) * 1000)::float8 AS scheduled_for_ms`;

/** The SQL that stores check results. */
@Injectable()
export class CheckResultsRepository {
  /**
   * Stores a batch run by `origin` in one statement (unnest of one array per column). A slot that already
   * has its result is skipped by the unique slot index (`ON CONFLICT DO NOTHING`), so a slot is never stored
   * twice even if it ran twice; only the rows actually inserted are returned.
   *
   * This runs for every scheduled check, so it sends timestamps as epoch milliseconds and reads back only
   * the generated ids: the returned entities are built from what was inserted (the same values the table
   * now holds: `timestamptz(3)` keeps whole milliseconds, the rest is stored as given).
   */
  async insertMany(manager: EntityManager, origin: CheckOrigin, rows: NewCheckResult[]): Promise<CheckResultEntity[]> {
    if (rows.length === 0) return [];
    const values = rows.map(toStoredValues);
    const col = (pick: (v: StoredValues) => PgArrayElement) => pgArrayLiteral(values.map(pick));
    const timing = (pick: (t: PhaseTimings) => number) => pgArrayLiteral(values.map((v) => pick(v.row.outcome.timings)));
    const inserted: InsertedRow[] = await manager.query(INSERT_SQL, [
      col((v) => v.row.endpointId),
      col((v) => v.row.scheduledFor?.getTime() ?? null),
      col((v) => v.row.outcome.checked_at.getTime()),
      col((v) => v.row.outcome.success),
      col((v) => v.row.outcome.status_code),
      col((v) => v.responseTimeMs),
      col((v) => v.row.outcome.reason),
      col((v) => v.message),
      col((v) => v.row.outcome.attempts),
      timing((t) => t.dns_ms),
      timing((t) => t.connect_ms),
      timing((t) => t.tls_ms),
      timing((t) => t.first_byte_ms),
      timing((t) => t.total_ms),
      col((v) => v.row.outcome.timings.reused_connection ?? null),
      col((v) => (v.row.outcome.assertions?.length ? JSON.stringify(v.row.outcome.assertions) : null)),
      col((v) => v.row.inMaintenance ?? false),
      origin.manual,
      origin.worker,
    ]);
    return matchInserted(values, inserted, origin);
  }
}

interface InsertedRow {
  id: string;
  endpoint_id: string;
  scheduled_for_ms: number | null;
}

interface StoredValues {
  row: NewCheckResult;
  responseTimeMs: number;
  message: string | null;
}

function toStoredValues(row: NewCheckResult): StoredValues {
  return {
    row,
    responseTimeMs: Math.max(0, Math.round(row.outcome.response_time_ms)),
    message: row.outcome.message?.slice(0, MAX_MESSAGE) ?? null,
  };
}

/**
 * Pairs the ids PostgreSQL generated with the rows they belong to, by endpoint and slot (manual rows: by
 * endpoint). Rows are inserted in input order and ids grow in insertion order, so rows sharing a key take
 * its ids in turn; a row skipped by ON CONFLICT finds none left and is not returned.
 */
function matchInserted(values: StoredValues[], inserted: InsertedRow[], origin: CheckOrigin): CheckResultEntity[] {
  const key = (endpointId: string, slotMs: number | null) => `${endpointId}|${slotMs ?? 'manual'}`;
  const idsByKey = new Map<string, string[]>();
  for (const r of inserted.sort((a, b) => compareIds(a.id, b.id))) {
    const k = key(r.endpoint_id, r.scheduled_for_ms);
    const ids = idsByKey.get(k);
    if (ids) ids.push(r.id);
    else idsByKey.set(k, [r.id]);
  }
  const entities: CheckResultEntity[] = [];
  for (const v of values) {
    const id = idsByKey.get(key(v.row.endpointId, v.row.scheduledFor?.getTime() ?? null))?.shift();
    if (id !== undefined) entities.push(toEntity(id, v, origin));
  }
  return entities;
}

/** bigint ids arrive as decimal strings: a shorter one is smaller. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function toEntity(id: string, { row, responseTimeMs, message }: StoredValues, origin: CheckOrigin): CheckResultEntity {
  const { outcome } = row;
  const entity = new CheckResultEntity();
  entity.id = id;
  entity.endpointId = row.endpointId;
  entity.scheduledFor = row.scheduledFor;
  entity.checkedAt = outcome.checked_at;
  entity.success = outcome.success;
  entity.statusCode = outcome.status_code;
  entity.responseTimeMs = responseTimeMs;
  entity.reason = outcome.reason;
  entity.message = message;
  entity.attempts = outcome.attempts;
  entity.timings = outcome.timings;
  entity.assertions = outcome.assertions ?? [];
  entity.manual = origin.manual;
  entity.worker = origin.worker;
  entity.inMaintenance = row.inMaintenance ?? false;
  return entity;
}
