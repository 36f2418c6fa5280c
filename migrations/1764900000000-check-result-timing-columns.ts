import type { MigrationInterface, QueryRunner } from 'typeorm';

const PHASES = ['dns_ms', 'connect_ms', 'tls_ms', 'first_byte_ms', 'total_ms'] as const;

/**
 * A check result's phase timings move from one jsonb document to typed columns. Every scheduled check
 * inserts a row, and parsing a small jsonb object per row was a sixth of what the insert cost the database
 * (bench:recorder); the columns are also what analytics on phases (TLS time, first byte) read.
 * - `real`: the checker rounds timings to hundredths of a millisecond and an attempt lasts at most the
 *   longest timeout (60 s), so every value is held exactly as written and read back as written.
 * - `reused_connection` is null when no connection served the request (the API leaves the field out then).
 */
export class CheckResultTimingColumns1764900000000 implements MigrationInterface {
  name = 'CheckResultTimingColumns1764900000000';

  async up(q: QueryRunner): Promise<void> {
    for (const phase of PHASES) await q.query(`ALTER TABLE check_results ADD COLUMN ${phase} real NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE check_results ADD COLUMN reused_connection boolean NULL`);
    await q.query(`
      UPDATE check_results SET
        ${PHASES.map((p) => `${p} = COALESCE((timings->>'${p}')::real, 0)`).join(',\n        ')},
        reused_connection = (timings->>'reused_connection')::boolean`);
    // The writer always sends every phase: the defaults only served the backfill.
    for (const phase of PHASES) await q.query(`ALTER TABLE check_results ALTER COLUMN ${phase} DROP DEFAULT`);
    await q.query(`ALTER TABLE check_results DROP COLUMN timings`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE check_results ADD COLUMN timings jsonb NULL`);
    await q.query(`
      UPDATE check_results SET timings = jsonb_strip_nulls(jsonb_build_object(
        ${PHASES.map((p) => `'${p}', ${p}`).join(', ')}, 'reused_connection', reused_connection))`);
    await q.query(`ALTER TABLE check_results ALTER COLUMN timings SET NOT NULL`);
    for (const phase of PHASES) await q.query(`ALTER TABLE check_results DROP COLUMN ${phase}`);
    await q.query(`ALTER TABLE check_results DROP COLUMN reused_connection`);
  }
}
