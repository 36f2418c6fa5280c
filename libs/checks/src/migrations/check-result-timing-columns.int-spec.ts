import { MIGRATIONS } from '@vigil/migrations';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-env';
import { CheckResultTimingColumns1764900000000 } from '../../../../migrations/1764900000000-check-result-timing-columns';

/** The results written before the migration, as the jsonb column held them. */
const BEFORE = [
  { dns_ms: 1.25, connect_ms: 0.5, tls_ms: 12.75, first_byte_ms: 40.01, total_ms: 41.5, reused_connection: false },
  { dns_ms: 0, connect_ms: 0, tls_ms: 0, first_byte_ms: 3, total_ms: 3.5, reused_connection: true },
  { dns_ms: 0.33, connect_ms: 0, tls_ms: 0, first_byte_ms: 0, total_ms: 0.33 },
];

describe('migration CheckResultTimingColumns (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const migration = new CheckResultTimingColumns1764900000000();

  beforeAll(async () => {
    expect(MIGRATIONS).toContain(CheckResultTimingColumns1764900000000);
    db = await createTestDatabase();
    ds = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(CheckResultTimingColumns1764900000000)) });
    await ds.initialize();
    await ds.runMigrations();
  });
  afterAll(async () => {
    await ds?.destroy().catch(() => undefined);
    await db?.drop();
  });

  const timings = async (): Promise<unknown[]> =>
    (await ds.query(`SELECT dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms, reused_connection FROM check_results ORDER BY id`)) as unknown[];

  it('moves every stored timing into its column, and back on revert', async () => {
    await ds.query(
      `INSERT INTO check_results (endpoint_id, checked_at, success, response_time_ms, attempts, timings)
       SELECT gen_random_uuid(), now(), true, 3, 1, t FROM unnest($1::jsonb[]) WITH ORDINALITY AS u(t, n) ORDER BY n`,
      [BEFORE.map((t) => JSON.stringify(t))],
    );
    const runner = ds.createQueryRunner();
    try {
      await migration.up(runner);
      expect(await timings()).toEqual(BEFORE.map((t) => ({ reused_connection: null, ...t })));
      // The writer sends every phase: no default hides a missing one.
      await expect(
        ds.query(`INSERT INTO check_results (endpoint_id, checked_at, success, response_time_ms, attempts) VALUES (gen_random_uuid(), now(), true, 1, 1)`),
      ).rejects.toThrow(/null value/);

      await migration.down(runner);
      const back: Array<{ timings: unknown }> = await ds.query(`SELECT timings FROM check_results ORDER BY id`);
      expect(back.map((r) => r.timings)).toEqual(BEFORE);
    } finally {
      await runner.release();
    }
  });
});
