import { clearRedisPrefix } from '../support/test-app';
import { TargetServer } from '../support/target-server';
import { testEnv, uniqueRedisPrefix } from '../support/test-env';
import { createMonitoringDatabase, insertEndpoints, type MonitoringDatabase, sleep } from '../checks/support/monitoring-db';
import { WorkerProcess } from '../checks/support/worker-process';
import { loadConfig } from '@vigil/config';
import { RollupCompactionService, UptimeRollupsRepository } from '@vigil/uptime';
import { compactedUntil, expectedRollupRows, rollupRows } from './support/uptime-fixtures';

describe('a check worker process folds its results into the rollups', () => {
  let m: MonitoringDatabase;
  const target = new TargetServer();
  const redisPrefix = uniqueRedisPrefix();
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    m = await createMonitoringDatabase(4);
    await target.start();
    await WorkerProcess.warmUp();
  }, 150_000);
  afterAll(async () => {
    await worker?.stop(5000);
    await target.stop();
    await m?.close();
    await clearRedisPrefix(redisPrefix);
  });

  it('stores minute rollups, compacted into hour and day rollups, all equal to GROUP BY over the results it wrote', async () => {
    worker = WorkerProcess.start({
      DATABASE_URL: m.db.url,
      DATABASE_POOL_SIZE: '4',
      REDIS_URL: testEnv.redisUrl,
      REDIS_KEY_PREFIX: redisPrefix,
      VIGIL_TARGET_ALLOWLIST: '127.0.0.0/8',
      SCHEDULER_TICK_MS: '100',
    });
    await worker.ready();
    await insertEndpoints(
      m.dataSource,
      Array.from({ length: 12 }, (_, i) => ({ url: target.url(i % 3 === 0 ? `/status/500/w${i}` : `/delay/${5 * i}`), intervalS: 1, timeoutMs: 900 })),
    );
    await sleep(4000);
    expect(await worker.stop()).toEqual({ code: 0, signal: null });

    const sql = <T>(text: string) => m.dataSource.query(text) as Promise<T[]>;
    const [{ n }] = await sql<{ n: number }>('SELECT count(*)::int AS n FROM check_results');
    expect(n).toBeGreaterThan(12);
    // The results are from the current hour: the worker leaves them in minute rows until the hour has ended.
    expect((await rollupRows(sql, 'minute')).length).toBeGreaterThan(0);
    const [{ hours }] = await sql<{ hours: number }>(
      'SELECT count(*)::int AS hours FROM uptime_hour WHERE bucket_start >= (SELECT compacted_until FROM uptime_compaction)',
    );
    expect(hours).toBe(0);
    // Compaction as it will run once that hour (and its grace period) is over.
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: m.db.url });
    const compaction = new RollupCompactionService(m.dataSource, config, new UptimeRollupsRepository());
    await compaction.runOnce(new Date(Date.now() + 2 * 3_600_000));
    expect(Date.parse(await compactedUntil(sql))).toBeGreaterThan(Date.now());
    for (const unit of ['minute', 'hour', 'day'] as const) {
      expect({ unit, rows: await rollupRows(sql, unit) }).toEqual({ unit, rows: await expectedRollupRows(sql, unit) });
    }
  });
});
