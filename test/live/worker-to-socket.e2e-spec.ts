import { TargetServer } from '../support/target-server';
import { ADMIN_KEY, expectEnvelope, startTestStack, type TestStack } from '../support/test-app';
import { WorkerProcess } from '../checks/support/worker-process';
import { LiveSocket } from './live-socket';

/**
 * The user story end to end: create an endpoint with the API, a separate worker process checks
 * it, and a WebSocket client connected to the API instance sees the results and the status changes;
 * the history is readable afterwards.
 */
describe('a worker process feeding a live client on an API instance', () => {
  let stack: TestStack;
  let worker: WorkerProcess | undefined;
  let socket: LiveSocket | undefined;
  const target = new TargetServer();

  beforeAll(async () => {
    await target.start();
    stack = await startTestStack({ RUN_CHECKS: 'false', VIGIL_TARGET_ALLOWLIST: '127.0.0.0/8', CHECK_MIN_INTERVAL_S: '1' });
    await WorkerProcess.warmUp();
  }, 150_000);
  afterAll(async () => {
    socket?.ws.close();
    await worker?.stop(5000);
    await stack?.close();
    await target.stop();
  });

  it('delivers check_result and endpoint_status_change caused by the worker, and the history holds the results', async () => {
    const created = await stack.api.http
      .post('/api/v1/endpoints')
      .set('X-API-Key', ADMIN_KEY)
      .send({ name: 'live-target', url: target.url('/status/200'), interval: 1, timeout: 0.5 });
    expect(created.status).toBe(201);
    const id: string = created.body.data.id;

    socket = await LiveSocket.connect(stack.api.url, ADMIN_KEY);
    socket.send({ type: 'subscribe', topics: [`endpoint:${id}`] });
    await socket.next('subscriptions');

    worker = await WorkerProcess.start({
      DATABASE_URL: stack.db.url,
      REDIS_URL: stack.api.config.redis.url,
      REDIS_KEY_PREFIX: stack.redisPrefix,
      VIGIL_TARGET_ALLOWLIST: '127.0.0.0/8',
      SCHEDULER_TICK_MS: '100',
    }).ready();

    const result = await socket.next((m) => m.type === 'check_result' && m.endpoint_id === id, 15_000);
    expect(result).toMatchObject({ endpoint_id: id, success: true, status_code: 200 });
    const up = await socket.next((m) => m.type === 'endpoint_status_change' && m.endpoint_id === id, 15_000);
    expect(up).toMatchObject({ old_status: 'pending', new_status: 'up' });

    // The target starts failing: the worker's next result turns the endpoint down.
    const patched = await stack.api.http
      .patch(`/api/v1/endpoints/${id}`)
      .set('X-API-Key', ADMIN_KEY)
      .send({ url: target.url('/status/503') });
    expect(patched.status).toBe(200);
    const down = await socket.next((m) => m.type === 'endpoint_status_change' && m.endpoint_id === id && m.new_status === 'down', 15_000);
    expect(down).toMatchObject({ old_status: 'up', reason: 'status_mismatch' });

    const history = await stack.api.http.get(`/api/v1/endpoints/${id}/checks?limit=100`).set('X-API-Key', ADMIN_KEY);
    expect(history.status).toBe(200);
    const rows = expectEnvelope(history.body, '1') as Array<{ success: boolean; reason: string | null; endpoint_id: string }>;
    expect(rows.some((r) => r.success)).toBe(true);
    expect(rows.some((r) => !r.success && r.reason === 'status_mismatch')).toBe(true);
    expect(rows.every((r) => r.endpoint_id === id)).toBe(true);
  }, 90_000);
});
