import type { DataSource, QueryRunner } from 'typeorm';

/** What withSessionLock did: `locked: false` when another session held the lock, so `work` did not run. */
export type SessionLockRun<T> = { locked: false } | { locked: true; value: T };

/**
 * Runs `work` on a connection of its own while it holds the session advisory lock `key`, then releases both;
 * does nothing when another session holds it (pg_try_advisory_lock). For jobs that must run one at a time
 * across every process (retention, rollup compaction) and may open transactions of their own on `runner`.
 */
export async function withSessionLock<T>(dataSource: DataSource, key: number, work: (runner: QueryRunner) => Promise<T>): Promise<SessionLockRun<T>> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [key])) as Array<{ locked: boolean }>;
    if (!locked) return { locked: false };
    try {
      return { locked: true, value: await work(runner) };
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}
