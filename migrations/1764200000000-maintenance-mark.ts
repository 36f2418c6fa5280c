import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Marks check results that ran inside a maintenance window (kept in history, left out of incidents and SLAs). */
export class MaintenanceMark1764200000000 implements MigrationInterface {
  name = 'MaintenanceMark1764200000000';

  async up(q: QueryRunner): Promise<void> {
    // A constant default: PostgreSQL adds the column without rewriting the table.
    await q.query(`ALTER TABLE check_results ADD COLUMN in_maintenance boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE check_results DROP COLUMN in_maintenance`);
  }
}
