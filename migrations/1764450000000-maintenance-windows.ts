import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Maintenance windows: one-off (starts_at..ends_at) or weekly (days, local start time, duration, IANA zone),
 * for one endpoint, one tag or every endpoint. Checks still run inside them; results are marked.
 */
export class MaintenanceWindows1764450000000 implements MigrationInterface {
  name = 'MaintenanceWindows1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE maintenance_windows (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name             varchar(200) NOT NULL,
        description      text NULL,
        endpoint_id      uuid NULL REFERENCES endpoints(id) ON DELETE CASCADE,
        tag              varchar(50) NULL,
        is_global        boolean NOT NULL DEFAULT false,
        kind             varchar(10) NOT NULL CHECK (kind IN ('one_off', 'recurring')),
        starts_at        timestamptz(3) NULL,
        ends_at          timestamptz(3) NULL,
        days             smallint[] NULL,
        start_time       varchar(5) NULL,
        duration_minutes integer NULL,
        time_zone        varchar(64) NULL,
        created_at       timestamptz(3) NOT NULL DEFAULT now(),
        updated_at       timestamptz(3) NOT NULL DEFAULT now(),
        CHECK ((endpoint_id IS NOT NULL)::int + (tag IS NOT NULL)::int + is_global::int = 1),
        CHECK (
          (kind = 'one_off' AND starts_at IS NOT NULL AND ends_at > starts_at
             AND days IS NULL AND start_time IS NULL AND duration_minutes IS NULL AND time_zone IS NULL)
          OR
          (kind = 'recurring' AND starts_at IS NULL AND ends_at IS NULL
             AND cardinality(days) BETWEEN 1 AND 7 AND days <@ ARRAY[0,1,2,3,4,5,6]::smallint[]
             AND start_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
             AND duration_minutes BETWEEN 1 AND 10080 AND time_zone IS NOT NULL)
        )
      )`);
    await q.query(`CREATE INDEX maintenance_windows_endpoint_idx ON maintenance_windows (endpoint_id) WHERE endpoint_id IS NOT NULL`);
    await q.query(`CREATE INDEX maintenance_windows_created_idx ON maintenance_windows (created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE maintenance_windows`);
  }
}
