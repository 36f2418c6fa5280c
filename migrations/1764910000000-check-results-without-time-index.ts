import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops the index on check_results (checked_at) alone. Only retention read it; every scheduled check paid
 * for it on insert (a btree entry per row, about a tenth of the insert's cost in bench:recorder). Retention
 * now finds old results endpoint by endpoint through (endpoint_id, checked_at), which every history query
 * uses anyway.
 */
export class CheckResultsWithoutTimeIndex1764910000000 implements MigrationInterface {
  name = 'CheckResultsWithoutTimeIndex1764910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX check_results_checked_at_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX check_results_checked_at_idx ON check_results (checked_at)`);
  }
}
