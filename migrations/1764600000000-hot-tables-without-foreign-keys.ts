import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables every check writes a row into (or updates a row of), and their foreign key to endpoints. */
const HOT_TABLES = ['check_results', 'uptime_minute', 'uptime_hour', 'uptime_day'] as const;

/**
 * Drops the foreign keys from the per-check tables to endpoints. Each inserted row paid a `SELECT ... FOR KEY
 * SHARE` on its endpoint (about half the cost of a check_results insert, measured in bench:checks), for a
 * guarantee the writers already give: results and rollups are only written in a transaction that holds the
 * endpoint's row lock (the recorder's lockLeased / lockOne), and EndpointsRepository.delete removes an
 * endpoint's results and rollups in the transaction that deletes it, after taking that same lock. Incidents and
 * maintenance windows keep theirs: they are written rarely.
 */
export class HotTablesWithoutForeignKeys1764600000000 implements MigrationInterface {
  name = 'HotTablesWithoutForeignKeys1764600000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of HOT_TABLES) await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_endpoint_id_fkey`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of HOT_TABLES) {
      await q.query(`DELETE FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.id = t.endpoint_id)`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES endpoints(id) ON DELETE CASCADE`);
    }
  }
}
