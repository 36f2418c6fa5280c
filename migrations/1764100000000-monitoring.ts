import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Endpoints (definition, derived state, schedule) and the results of their checks. */
export class Monitoring1764100000000 implements MigrationInterface {
  name = 'Monitoring1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE endpoints (
        id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name                  varchar(200) NOT NULL,
        url                   text NOT NULL,
        method                varchar(8) NOT NULL,
        interval_s            integer NOT NULL CHECK (interval_s > 0),
        timeout_ms            integer NOT NULL CHECK (timeout_ms > 0),
        expected_status       jsonb NOT NULL,
        headers               jsonb NOT NULL DEFAULT '{}'::jsonb,
        body                  text NULL,
        is_active             boolean NOT NULL DEFAULT true,
        tags                  text[] NOT NULL DEFAULT '{}',
        retry                 jsonb NOT NULL,
        assertions            jsonb NOT NULL DEFAULT '[]'::jsonb,
        source                varchar(300) NOT NULL DEFAULT 'api',
        status                varchar(10) NOT NULL DEFAULT 'pending',
        status_since          timestamptz(3) NOT NULL DEFAULT now(),
        consecutive_failures  integer NOT NULL DEFAULT 0,
        consecutive_successes integer NOT NULL DEFAULT 0,
        next_check_at         timestamptz(3) NOT NULL,
        lease_until           timestamptz(3) NULL,
        lease_owner           varchar(100) NULL,
        last_check_id         bigint NULL,
        last_checked_at       timestamptz(3) NULL,
        last_success          boolean NULL,
        last_status_code      integer NULL,
        last_response_time_ms integer NULL,
        last_reason           varchar(32) NULL,
        created_at            timestamptz(3) NOT NULL DEFAULT now(),
        updated_at            timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX endpoints_name_uq ON endpoints (name)`);
    await q.query(`CREATE INDEX endpoints_created_at_idx ON endpoints (created_at, id)`);
    await q.query(`CREATE INDEX endpoints_tags_idx ON endpoints USING gin (tags)`);
    // The scheduler's claim query scans only active endpoints in due order.
    await q.query(`CREATE INDEX endpoints_due_idx ON endpoints (next_check_at) WHERE is_active`);

    await q.query(`
      CREATE TABLE check_results (
        id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        endpoint_id      uuid NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
        scheduled_for    timestamptz(3) NULL,
        checked_at       timestamptz(3) NOT NULL,
        success          boolean NOT NULL,
        status_code      integer NULL,
        response_time_ms integer NOT NULL,
        reason           varchar(32) NULL,
        message          text NULL,
        attempts         smallint NOT NULL,
        timings          jsonb NOT NULL,
        assertions       jsonb NOT NULL DEFAULT '[]'::jsonb,
        manual           boolean NOT NULL DEFAULT false,
        worker           varchar(100) NULL
      )`);
    // One result per scheduled slot: a slot re-run after an expired lease cannot be stored twice.
    await q.query(`CREATE UNIQUE INDEX check_results_slot_uq ON check_results (endpoint_id, scheduled_for) WHERE scheduled_for IS NOT NULL`);
    await q.query(`CREATE INDEX check_results_endpoint_time_idx ON check_results (endpoint_id, checked_at DESC, id DESC)`);
    await q.query(`CREATE INDEX check_results_checked_at_idx ON check_results (checked_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE check_results`);
    await q.query(`DROP TABLE endpoints`);
  }
}
