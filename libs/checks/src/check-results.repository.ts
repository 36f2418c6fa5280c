import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { CheckResultEntity } from './check-result.entity';
import type { CheckOutcome } from './check-types';

export interface NewCheckResult {
  endpointId: string;
  /** The slot; null for a manual check. */
  scheduledFor: Date | null;
  outcome: CheckOutcome;
  manual: boolean;
  worker: string | null;
  /** Ran inside a maintenance window (set by a record hook); false when absent. */
  inMaintenance?: boolean;
}

/** Longest failure message kept; the checker's messages are short, this only bounds a surprise. */
const MAX_MESSAGE = 2000;

/** The SQL that stores check results. */
@Injectable()
export class CheckResultsRepository {
  constructor(@InjectRepository(CheckResultEntity) private readonly results: Repository<CheckResultEntity>) {}

  /**
   * Stores a batch in one statement (unnest of one array per column). A slot that already has its result
   * is skipped by the unique slot index (`ON CONFLICT DO NOTHING`), so a slot is never stored twice even
   * if it ran twice; only the rows actually inserted are returned.
   */
  async insertMany(manager: EntityManager, rows: NewCheckResult[]): Promise<CheckResultEntity[]> {
    if (rows.length === 0) return [];
    const col = <T>(pick: (r: NewCheckResult) => T) => rows.map(pick);
    const inserted: Array<Record<string, unknown>> = await manager.query(
      `INSERT INTO check_results
         (endpoint_id, scheduled_for, checked_at, success, status_code, response_time_ms, reason, message, attempts, timings, assertions, manual, worker, in_maintenance)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::boolean[], $5::int[], $6::int[], $7::varchar[],
                            $8::text[], $9::smallint[], $10::jsonb[], $11::jsonb[], $12::boolean[], $13::varchar[], $14::boolean[])
       ON CONFLICT (endpoint_id, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
       RETURNING *`,
      [
        col((r) => r.endpointId),
        col((r) => r.scheduledFor),
        col((r) => r.outcome.checked_at),
        col((r) => r.outcome.success),
        col((r) => r.outcome.status_code),
        col((r) => Math.max(0, Math.round(r.outcome.response_time_ms))),
        col((r) => r.outcome.reason),
        col((r) => r.outcome.message?.slice(0, MAX_MESSAGE) ?? null),
        col((r) => r.outcome.attempts),
        col((r) => JSON.stringify(r.outcome.timings)),
        col((r) => JSON.stringify(r.outcome.assertions ?? [])),
        col((r) => r.manual),
        col((r) => r.worker),
        col((r) => r.inMaintenance ?? false),
      ],
    );
    return inserted.map((raw) => this.toEntity(raw));
  }

  private toEntity(raw: Record<string, unknown>): CheckResultEntity {
    const entity = new CheckResultEntity();
    for (const column of this.results.metadata.columns) {
      if (column.databaseName in raw) column.setEntityValue(entity, raw[column.databaseName]);
    }
    return entity;
  }
}
