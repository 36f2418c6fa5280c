import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workers own endpoints instead of claiming each due slot (see Scheduler in @vigil/checks):
 * - `scheduler_workers` holds one heartbeat per worker process; an owner whose heartbeat has passed is dead,
 *   and its endpoints are adopted by the others.
 * - `endpoints.lease_owner` is the owning worker, and the only fence: a result is stored only while its
 *   endpoint is still owned by the worker that ran it, for the slot the row says is due.
 * - The due index goes: no query walks endpoints in due order any more (each owner keeps its schedule in
 *   memory). With it gone, no column a check changes is indexed, so the per-check state update is a HOT update.
 * - `lease_until` goes: ownership lasts as long as the owner's heartbeat, not per slot.
 * Existing leases are void: every endpoint starts unowned and is adopted by the next worker that ticks.
 */
export class OwnedEndpoints1764800000000 implements MigrationInterface {
  name = 'OwnedEndpoints1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE scheduler_workers (
        id              varchar(100) PRIMARY KEY,
        started_at      timestamptz(3) NOT NULL DEFAULT now(),
        heartbeat_until timestamptz(3) NOT NULL
      )`);
    await q.query(`DROP INDEX endpoints_due_idx`);
    await q.query(`ALTER TABLE endpoints DROP COLUMN lease_until`);
    await q.query(`UPDATE endpoints SET lease_owner = NULL WHERE lease_owner IS NOT NULL`);
    // Finds endpoints waiting for an owner without a scan. Partial on purpose: a full index on lease_owner
    // (one value for every row a worker owns) tempts the planner into bitmap-scanning all of them.
    await q.query(`CREATE INDEX endpoints_unowned_idx ON endpoints (id) WHERE lease_owner IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX endpoints_unowned_idx`);
    await q.query(`UPDATE endpoints SET lease_owner = NULL WHERE lease_owner IS NOT NULL`);
    await q.query(`ALTER TABLE endpoints ADD COLUMN lease_until timestamptz(3) NULL`);
    await q.query(`CREATE INDEX endpoints_due_idx ON endpoints (next_check_at) WHERE is_active`);
    await q.query(`DROP TABLE scheduler_workers`);
  }
}
