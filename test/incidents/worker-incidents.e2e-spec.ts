import { WorkerProcess } from '../checks/support/worker-process';
import { waitFor } from '../checks/support/monitoring-db';
import { LiveSocket } from '../live/live-socket';
import { ADMIN_KEY } from '../support/test-app';
import { as, IncidentWorld } from './incident-world';

/**
 * The record hooks run in a separate worker process (apps/worker imports the incidents module): a window
 * created through the API reaches the worker's cached calendar through the event bus, its scheduled results
 * are marked and open no incident, and once the window is gone the worker opens and resolves incidents that
 * API clients see live.
 */
describe('maintenance and incidents in a worker process', () => {
  const world = new IncidentWorld();
  let worker: WorkerProcess | undefined;
  let socket: LiveSocket | undefined;

  beforeAll(async () => {
    await world.start({ CHECK_MIN_INTERVAL_S: '1', STATUS_DOWN_THRESHOLD: '2' });
    await WorkerProcess.warmUp();
  }, 150_000);
  afterAll(async () => {
    await socket?.close();
    await worker?.stop(5000);
    await world.stop();
  });

  const results = (endpointId: string, afterId = '0') =>
    world.query<{ id: string; success: boolean; in_maintenance: boolean }>(
      `SELECT id::text, success, in_maintenance FROM check_results WHERE endpoint_id = $1 AND id > $2 ORDER BY id`,
      [endpointId, afterId],
    );

  it('marks scheduled results inside a window created after the worker loaded its windows, then opens and resolves incidents', async () => {
    const e = await world.endpoint('/status/200/worker', { interval: 1, timeout: 0.5 });
    socket = await LiveSocket.connect(world.stack.api.url, world.viewer);
    await socket.subscribe(`endpoint:${e.id}`);
    worker = await WorkerProcess.start({
      DATABASE_URL: world.stack.db.url,
      REDIS_URL: world.stack.api.config.redis.url,
      REDIS_KEY_PREFIX: world.stack.redisPrefix,
      VIGIL_TARGET_ALLOWLIST: '127.0.0.0/8',
      STATUS_DOWN_THRESHOLD: '2',
      SCHEDULER_TICK_MS: '100',
    }).ready();
    await waitFor('an unmarked result stored by the worker', async () => (await results(e.id)).length > 0, 15_000);

    const created = await world.api
      .post('/api/v1/maintenance-windows')
      .set(as(world.operator))
      .send({
        name: 'worker window',
        endpoint_id: e.id,
        starts_at: new Date(Date.now() - 60_000).toISOString(),
        ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      });
    expect(created.status).toBe(201);
    const firstMarked = await waitFor('a marked result', async () => (await results(e.id)).find((r) => r.in_maintenance), 8_000);

    // Failing inside the window: down, every result marked, no incident.
    await world.setPath(e.id, '/status/503/worker');
    const failures = await waitFor(
      'three failed results in the window',
      async () => {
        const failed = (await results(e.id, firstMarked.id)).filter((r) => !r.success);
        return failed.length >= 3 ? failed : null;
      },
      15_000,
    );
    expect(failures.every((r) => r.in_maintenance)).toBe(true);
    expect((await world.api.get(`/api/v1/endpoints/${e.id}`).set(as(world.viewer))).body.data.status).toBe('down');
    expect(await world.incidents({ endpoint_id: e.id })).toEqual([]);

    // The window goes: the worker's next failed result opens the incident.
    expect((await world.api.delete(`/api/v1/maintenance-windows/${created.body.data.id}`).set(as(world.operator))).status).toBe(204);
    const opened = await socket.next((m) => m.type === 'incident_opened' && m.endpoint_id === e.id, 15_000);
    const [incident] = await world.incidents({ endpoint_id: e.id });
    expect(incident).toMatchObject({ id: opened.incident_id, status: 'open' });
    const opener = (await results(e.id)).find((r) => r.id === incident.opened_by_check_id);
    expect(opener).toMatchObject({ success: false, in_maintenance: false });

    await world.api
      .patch(`/api/v1/endpoints/${e.id}`)
      .set(as(ADMIN_KEY))
      .send({ url: world.target.url('/status/200/worker') });
    const resolved = await socket.next((m) => m.type === 'incident_resolved' && m.endpoint_id === e.id, 15_000);
    expect(resolved).toMatchObject({ incident_id: incident.id, resolution: 'recovered' });
    expect((await world.incident(incident.id)).status).toBe('resolved');
  }, 90_000);
});
