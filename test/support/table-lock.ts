import { Client } from 'pg';

export interface TableLock {
  /** Resolves once a statement starting with `statementPrefix` waits for this lock (polls pg_stat_activity). */
  waitForBlocked(statementPrefix: string, timeoutMs?: number): Promise<void>;
  /** Commits the locking transaction: the blocked statements go on. Safe to call twice. */
  release(): Promise<void>;
}

/**
 * Holds `LOCK TABLE <table> IN EXCLUSIVE MODE` in its own transaction: reads go on, writes wait. A test
 * uses it to keep a request inside its handler for as long as it needs (a request "in flight"), without
 * sleeps or test-only routes.
 */
export async function lockTable(databaseUrl: string, table: string): Promise<TableLock> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE "${table}" IN EXCLUSIVE MODE`);
  let released = false;
  return {
    async waitForBlocked(statementPrefix, timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // pg_stat_activity is read once per transaction unless the snapshot is cleared.
        await client.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await client.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND starts_with(query, $1)`,
          [statementPrefix],
        );
        if (rows[0].n > 0) return;
        if (Date.now() > deadline) throw new Error(`no statement starting with ${statementPrefix} waited for the lock on ${table} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('COMMIT');
      } finally {
        await client.end();
      }
    },
  };
}
