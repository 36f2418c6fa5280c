import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The platform's tables: installation settings and API keys. */
export class Platform1764000000000 implements MigrationInterface {
  name = 'Platform1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE system_settings (
        key        varchar(64) PRIMARY KEY,
        value      text NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name         varchar(100) NOT NULL,
        role         varchar(16) NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
        prefix       varchar(24) NOT NULL,
        key_hash     char(64) NOT NULL,
        created_at   timestamptz(3) NOT NULL DEFAULT now(),
        created_by   uuid NULL REFERENCES api_keys(id) ON DELETE SET NULL,
        expires_at   timestamptz(3) NULL,
        revoked_at   timestamptz(3) NULL,
        last_used_at timestamptz(3) NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_key_hash_uq ON api_keys (key_hash)`);
    await q.query(`CREATE INDEX api_keys_created_at_idx ON api_keys (created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE system_settings`);
  }
}
