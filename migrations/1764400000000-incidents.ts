import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Incidents (an endpoint down, from the check that took it down to the one that brought it back) and their timeline. */
export class Incidents1764400000000 implements MigrationInterface {
  name = 'Incidents1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE incidents (
        id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        endpoint_id           uuid NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
        endpoint_name         varchar(200) NOT NULL,
        started_at            timestamptz(3) NOT NULL,
        resolved_at           timestamptz(3) NULL,
        resolution            varchar(16) NULL CHECK (resolution IN ('recovered', 'paused')),
        first_failure_at      timestamptz(3) NOT NULL,
        first_failure_reason  varchar(32) NULL,
        first_failure_message text NULL,
        failed_checks         integer NOT NULL DEFAULT 0 CHECK (failed_checks >= 0),
        last_failure_at       timestamptz(3) NOT NULL,
        opened_by_check_id    bigint NULL,
        resolved_by_check_id  bigint NULL,
        CHECK (resolved_at IS NULL OR resolved_at >= started_at),
        CHECK ((resolved_at IS NULL) = (resolution IS NULL))
      )`);
    // At most one open incident per endpoint; also the index the record hook reads open incidents through.
    await q.query(`CREATE UNIQUE INDEX incidents_open_uq ON incidents (endpoint_id) WHERE resolved_at IS NULL`);
    await q.query(`CREATE INDEX incidents_endpoint_started_idx ON incidents (endpoint_id, started_at DESC, id DESC)`);
    await q.query(`CREATE INDEX incidents_started_idx ON incidents (started_at DESC, id DESC)`);
    // Incidents overlapping a period (SLA months, from/to filters) of closed ones: resolved_at bounds them.
    await q.query(`CREATE INDEX incidents_resolved_idx ON incidents (resolved_at) WHERE resolved_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE incident_events (
        id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id    bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        kind           varchar(16) NOT NULL CHECK (kind IN ('opened', 'resolved', 'note')),
        at             timestamptz(3) NOT NULL DEFAULT now(),
        from_status    varchar(10) NULL,
        to_status      varchar(10) NULL,
        check_id       bigint NULL,
        note           text NULL,
        author_key_id  uuid NULL,
        author_name    varchar(200) NULL,
        CHECK (kind <> 'note' OR note IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE incident_events`);
    await q.query(`DROP TABLE incidents`);
  }
}
