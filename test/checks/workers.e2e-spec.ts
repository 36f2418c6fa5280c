import type { EndpointStatusChangedEvent } from '@vigil/events';
import Redis from 'ioredis';
import { TargetServer } from '../support/target-server';
import { clearRedisPrefix } from '../support/test-app';
import { testEnv, uniqueRedisPrefix } from '../support/test-env';
import { createMonitoringDatabase, insertEndpoints, type MonitoringDatabase, sleep, storedSlots, waitFor } from './support/monitoring-db';
import { WorkerProcess } from './support/worker-process';

const WINDOW_MS = 8000;

describe('check workers as separate processes on one database', () => {
  let m: MonitoringDatabase;
  const target = new TargetServer();
  const redisPrefix = uniqueRedisPrefix();
  const running: WorkerProcess[] = [];

  const startWorker = async (env: Record<string, string> = {}) => {
    const worker = WorkerProcess.start({
      DATABASE_URL: m.db.url,
      DATABASE_POOL_SIZE: '4',
      REDIS_URL: testEnv.redisUrl,
      REDIS_KEY_PREFIX: redisPrefix,
      VIGIL_TARGET_ALLOWLIST: '127.0.0.0/8',
      SCHEDULER_TICK_MS: '100',
      ...env,
    });
    running.push(worker);
    return worker.ready();
  };

  beforeAll(async () => {
    m = await createMonitoringDatabase(4);
    await target.start();
    await WorkerProcess.warmUp();
  }, 150_000);
  // Each test's workers end with it, whatever happened.
  afterEach(async () => {
    await Promise.all(running.splice(0).map((w) => w.stop(5000)));
  });
  afterAll(async () => {
    await target.stop();
    await m?.close();
    await clearRedisPrefix(redisPrefix);
  });
  beforeEach(async () => {
    await m.dataSource.query('TRUNCATE endpoints, check_results, uptime_minute, uptime_hour, uptime_day CASCADE');
    target.resetCounters();
  });

  it('three workers for a fixed window: every due slot ran exactly once, none twice, none skipped, and all three shared the work', async () => {
    const workers = await Promise.all([startWorker(), startWorker(), startWorker()]);
    const endpoints = await insertEndpoints(
      m.dataSource,
      Array.from({ length: 30 }, (_, i) => ({ url: target.url(`/status/200/e${i}`), intervalS: i % 2 === 0 ? 1 : 2, timeoutMs: 3000 })),
    );
    await sleep(WINDOW_MS);
    const stoppedAt = Date.now();
    // A clean stop writes what ran and gives back its endpoints, so the database shows the whole window.
    expect(await Promise.all(workers.map((w) => w.stop()))).toEqual(workers.map(() => ({ code: 0, signal: null })));

    const slots = await storedSlots(m.dataSource);
    const rows: Array<{ id: string; next_check_at: Date; lease_owner: string | null }> = await m.dataSource.query(
      'SELECT id, next_check_at, lease_owner FROM endpoints',
    );
    const rowOf = new Map(rows.map((r) => [r.id, r]));
    let total = 0;
    endpoints.forEach((e, i) => {
      const stored = slots.get(e.id) ?? [];
      const intervalMs = e.intervalS * 1000;
      total += stored.length;
      expect(stored.length).toBeGreaterThanOrEqual(WINDOW_MS / intervalMs - 2);
      // Starts on the endpoint's first anchored slot, then every slot, none twice, none skipped.
      expect(stored[0].scheduled_for).toEqual(e.nextCheckAt);
      const gaps = stored.slice(1).map((s, k) => s.scheduled_for.getTime() - stored[k].scheduled_for.getTime());
      expect(gaps).toEqual(gaps.map(() => intervalMs));
      // The schedule goes on right after the last stored slot, which is close to the stop: nothing left behind.
      const row = rowOf.get(e.id)!;
      expect(row.next_check_at.getTime()).toBe(stored[stored.length - 1].scheduled_for.getTime() + intervalMs);
      expect(row.next_check_at.getTime()).toBeGreaterThan(stoppedAt - intervalMs - 1000);
      expect(row.lease_owner).toBeNull();
      // Each stored slot was requested once: no check ran without its result being kept, or twice.
      expect(target.hits(`/status/200/e${i}`)).toBe(stored.length);
      expect(stored.filter((s) => !s.success).map((s) => `${s.reason}: ${s.message}`)).toEqual([]);
    });
    expect(total).toBeGreaterThan(150);

    const perWorker = new Map<string, number>();
    for (const list of slots.values()) for (const s of list) perWorker.set(s.worker, (perWorker.get(s.worker) ?? 0) + 1);
    expect(new Set(perWorker.keys())).toEqual(new Set(workers.map((w) => w.workerId)));
    // Every worker takes part. Not evenly: whoever ticks first after a slot falls due claims it, and on a loaded
    // machine (the full suite, 2 cores) one process can be slower for a while; 5 % each is well clear of zero.
    for (const n of perWorker.values()) expect(n).toBeGreaterThan(total * 0.05);
  }, 90_000);

  it('a worker killed with SIGKILL mid-check: its slots run on another worker once its heartbeat has passed, each stored exactly once', async () => {
    // Slow targets keep checks in flight; a short lease (the heartbeat's life: 1 s) lets them be taken over quickly.
    const lease = { SCHEDULER_LEASE_S: '1' };
    const victim = await startWorker(lease);
    const endpoints = await insertEndpoints(
      m.dataSource,
      Array.from({ length: 12 }, (_, i) => ({ url: target.url(`/delay/1200/k${i}`), intervalS: 2, timeoutMs: 2500 })),
    );
    // Owned, and some checks in flight (the target has started answering them).
    const held = await waitFor(
      'the worker to own the endpoints and run several checks',
      async () => {
        const rows: Array<{ id: string }> = await m.dataSource.query('SELECT id FROM endpoints WHERE lease_owner = $1', [victim.workerId]);
        return rows.length === endpoints.length && target.hits() >= 5 ? rows : null;
      },
      15_000,
      20,
    );
    victim.kill('SIGKILL');
    expect(await victim.exited()).toEqual({ code: null, signal: 'SIGKILL' });
    const [{ heartbeat_until: diedAt }]: Array<{ heartbeat_until: Date }> = await m.dataSource.query(
      'SELECT heartbeat_until FROM scheduler_workers WHERE id = $1',
      [victim.workerId],
    );

    // What the dead worker left: owned slots without a result (their checks were in flight, or not yet due).
    const orphans: Array<{ id: string; slot: Date }> = await m.dataSource.query(
      `SELECT e.id, e.next_check_at AS slot FROM endpoints e
       WHERE e.lease_owner = $1 AND NOT EXISTS (SELECT 1 FROM check_results r WHERE r.endpoint_id = e.id AND r.scheduled_for = e.next_check_at)`,
      [victim.workerId],
    );
    expect(orphans.length).toBeGreaterThanOrEqual(Math.min(held.length, 3));

    const rescuer = await startWorker(lease);
    await waitFor(
      'every orphaned slot to be stored',
      async () => {
        const [{ n }] = await m.dataSource.query(
          `SELECT count(*)::int AS n FROM check_results r JOIN unnest($1::uuid[], $2::timestamptz[]) AS o(id, slot)
           ON r.endpoint_id = o.id AND r.scheduled_for = o.slot`,
          [orphans.map((o) => o.id), orphans.map((o) => o.slot)],
        );
        return n === orphans.length;
      },
      20_000,
    );
    // Let the schedules run on a little, then stop cleanly.
    await sleep(2500);
    await rescuer.stop();

    const slots = await storedSlots(m.dataSource);
    for (const o of orphans) {
      const forSlot = (slots.get(o.id) ?? []).filter((s) => s.scheduled_for.getTime() === o.slot.getTime());
      expect(forSlot).toEqual([expect.objectContaining({ worker: rescuer.workerId, success: true })]);
    }
    const results: Array<{ endpoint_id: string; scheduled_for: Date; checked_at: Date }> = await m.dataSource.query(
      `SELECT endpoint_id, scheduled_for, checked_at FROM check_results`,
    );
    // Taken over only once the dead worker's heartbeat had passed.
    for (const o of orphans) {
      const r = results.find((x) => x.endpoint_id === o.id && x.scheduled_for.getTime() === o.slot.getTime())!;
      expect(r.checked_at.getTime()).toBeGreaterThanOrEqual(diedAt.getTime() - 50);
    }
    // Nothing stored twice, and every endpoint went on to later slots on its own anchor.
    const keys = results.map((r) => `${r.endpoint_id}@${r.scheduled_for.toISOString()}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of endpoints) {
      const list = slots.get(e.id) ?? [];
      expect(list.length).toBeGreaterThanOrEqual(2);
      for (const s of list) expect((s.scheduled_for.getTime() - e.nextCheckAt.getTime()) % 2000).toBe(0);
    }
  }, 90_000);

  it('publishes up → down → up status changes of a worker process through Redis', async () => {
    const subscriber = new Redis(testEnv.redisUrl!, { lazyConnect: true });
    await subscriber.connect();
    const changes: EndpointStatusChangedEvent[] = [];
    subscriber.on('message', (_channel: string, message: string) => changes.push(JSON.parse(message)));
    await subscriber.subscribe(`${redisPrefix}events:endpoints.status_changed`);
    try {
      const worker = await startWorker({ STATUS_DOWN_THRESHOLD: '1' });
      const [e] = await insertEndpoints(m.dataSource, [{ url: target.url('/status/200/flip'), intervalS: 1, timeoutMs: 800 }]);
      const seen = (n: number) => waitFor(`${n} status change(s)`, async () => changes.filter((c) => c.endpoint_id === e.id).length >= n, 10_000);
      await seen(1);
      // Changed as the API changes an endpoint: given back to the pool with a new definition.
      const change = (url: string) => m.dataSource.query('UPDATE endpoints SET url = $2, lease_owner = NULL, updated_at = now() WHERE id = $1', [e.id, url]);
      await change(target.url('/status/503/flip'));
      await seen(2);
      await change(target.url('/status/200/flip'));
      await seen(3);
      await worker.stop();
      expect(changes.slice(0, 3).map((c) => [c.old_status, c.new_status])).toEqual([
        ['pending', 'up'],
        ['up', 'down'],
        ['down', 'up'],
      ]);
      expect(changes[1]).toMatchObject({ endpoint_id: e.id, endpoint_name: e.name, reason: 'status_mismatch', check_id: expect.stringMatching(/^\d+$/) });
    } finally {
      subscriber.disconnect();
    }
  }, 60_000);
});
