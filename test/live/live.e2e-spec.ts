import { randomUUID } from 'node:crypto';
import { type CheckResultEvent, type EndpointStatusChangedEvent, EventBus, VigilEvents } from '@vigil/events';
import { rawExchange } from '../support/raw-http';
import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestApp, type TestStack } from '../support/test-app';
import { describeWithRedis } from '../support/test-env';
import { LiveSocket } from './live-socket';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_BUFFERED_BYTES = 64 * 1024;

function checkResult(endpointId: string, extra: Partial<CheckResultEvent> = {}): CheckResultEvent {
  return {
    id: String(Math.floor(Math.random() * 1e9)),
    endpoint_id: endpointId,
    endpoint_name: 'payments-api',
    checked_at: new Date().toISOString(),
    success: false,
    status_code: 503,
    response_time_ms: 42,
    reason: 'status_mismatch',
    attempts: 2,
    ...extra,
  };
}

function statusChange(endpointId: string): EndpointStatusChangedEvent {
  return {
    endpoint_id: endpointId,
    endpoint_name: 'payments-api',
    old_status: 'up',
    new_status: 'down',
    changed_at: new Date().toISOString(),
    check_id: '17',
    reason: 'status_mismatch',
  };
}

async function stats(app: TestApp, key = ADMIN_KEY): Promise<any> {
  const res = await app.http.get('/api/v1/live/stats').set('X-API-Key', key);
  expect(res.status).toBe(200);
  return expectEnvelope(res.body);
}

describe('WebSocket /ws/live', () => {
  let stack: TestStack;
  let viewerKey: string;
  const sockets: LiveSocket[] = [];

  /** A connected client that is closed after the test. */
  async function connect(options: { app?: TestApp; key?: string; via?: 'header' | 'query'; autoPong?: boolean } = {}): Promise<LiveSocket> {
    const socket = await LiveSocket.connect((options.app ?? stack.api).url, options.key ?? viewerKey, options);
    sockets.push(socket);
    return socket;
  }

  function open(key: string | undefined, via: 'header' | 'query' = 'header'): LiveSocket {
    const socket = LiveSocket.open(stack.api.url, key, { via });
    sockets.push(socket);
    return socket;
  }

  /**
   * Waits until events published on one instance reach clients of another: a new instance's Redis
   * connections (its publisher, and the subscriber that also carries auth.key_revoked) may still be connecting.
   */
  async function untilLinked(publisher: TestApp, subscriber: TestApp): Promise<void> {
    const probe = await connect({ app: subscriber });
    await probe.unsubscribe('status');
    await probe.subscribe('checks');
    const bus = publisher.app.get(EventBus);
    for (let attempt = 0; ; attempt++) {
      const id = `probe-${attempt}`;
      await bus.publish(VigilEvents.CheckResult, checkResult(randomUUID(), { id }));
      try {
        await probe.next((m) => m.type === 'check_result' && m.id === id, 500);
        return probe.close();
      } catch (err) {
        if (attempt >= 20) throw err;
      }
    }
  }

  beforeAll(async () => {
    stack = await startTestStack({
      WS_PING_INTERVAL_S: '1',
      WS_STATUS_INTERVAL_S: '1',
      WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES),
      RATE_LIMIT_ENABLED: 'false',
      // A Redis publish that times out is also delivered locally (so twice); not on a busy test machine.
      REDIS_COMMAND_TIMEOUT_MS: '5000',
      // No checks and no monitors file: the endpoint counts are those this suite creates.
      RUN_CHECKS: 'false',
      MONITORS_FILE: 'test/live/no-monitors-file.yaml',
    });
    viewerKey = (await stack.createKey('viewer')).key;
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });
  afterAll(() => stack?.close());

  describe('authentication on upgrade', () => {
    it('closes with 4401 AUTH_MISSING_API_KEY when no key is sent', async () => {
      expect(await open(undefined).waitClosed()).toEqual({ code: 4401, reason: 'AUTH_MISSING_API_KEY' });
    });

    it('closes with 4401 AUTH_INVALID_API_KEY for an unknown key, in the X-API-Key header or in ?api_key=', async () => {
      const unknown = `vgl_00000000_${'A'.repeat(43)}`;
      expect(await open(unknown, 'header').waitClosed()).toEqual({ code: 4401, reason: 'AUTH_INVALID_API_KEY' });
      expect(await open(unknown, 'query').waitClosed()).toEqual({ code: 4401, reason: 'AUTH_INVALID_API_KEY' });
      expect(await open('', 'query').waitClosed()).toEqual({ code: 4401, reason: 'AUTH_MISSING_API_KEY' });
    });

    it('closes with 4401 for a revoked key and for an expired key', async () => {
      const revoked = await stack.createKey('viewer');
      expect((await stack.api.http.delete(`/api/v1/auth/keys/${revoked.id}`).set('X-API-Key', ADMIN_KEY)).status).toBe(204);
      expect(await open(revoked.key).waitClosed()).toEqual({ code: 4401, reason: 'AUTH_REVOKED_API_KEY' });

      const expiring = await stack.createKey('viewer', { expires_at: new Date(Date.now() + 1500).toISOString() });
      await sleep(1600);
      expect(await open(expiring.key, 'query').waitClosed()).toEqual({ code: 4401, reason: 'AUTH_EXPIRED_API_KEY' });
      expect((await stats(stack.api)).auth_failures).toBeGreaterThanOrEqual(2);
    });

    it('accepts a key of any role, in the header or in ?api_key=, and greets with connection_established', async () => {
      for (const [key, via] of [
        [viewerKey, 'header'],
        [viewerKey, 'query'],
        [(await stack.createKey('operator')).key, 'header'],
        [ADMIN_KEY, 'query'],
      ] as const) {
        const socket = open(key, via);
        const hello = await socket.next('connection_established');
        expect(hello).toEqual({ type: 'connection_established', client_id: expect.stringMatching(UUID), heartbeat_interval_s: 1, topics: ['status'] });
        expect(socket.received[0]).toBe(hello);
      }
    });
  });

  describe('handshakes the WebSocket library refuses', () => {
    /** Sends a raw upgrade request and reads the answer until the server closes the connection. */
    const rawUpgrade = (lines: string[]) => rawExchange(stack.api.url, `${lines.join('\r\n')}\r\n\r\n`);
    const handshake = (method: string, extra: string[] = []) => [
      `${method} /ws/live HTTP/1.1`,
      'Host: localhost',
      'Connection: Upgrade',
      'Upgrade: websocket',
      ...extra,
    ];

    it('answers an upgrade that is not a GET with 404 RES_NOT_FOUND in the envelope, not a bare 405', async () => {
      const answer = await rawUpgrade(
        handshake('POST', ['Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'X-Request-ID: ws-post-1']),
      );
      expect(answer.statusLine).toBe('HTTP/1.1 404 Not Found');
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.headers['x-request-id']).toBe('ws-post-1');
      const body = JSON.parse(answer.body);
      expect(body).toMatchObject({
        success: false,
        error: { code: 'RES_NOT_FOUND', message: 'Route POST /ws/live not found' },
        meta: { request_id: 'ws-post-1' },
      });
    });

    it('answers a handshake with a bad Sec-WebSocket-Key or version with 400 VAL_MALFORMED_REQUEST in the envelope', async () => {
      const badKey = await rawUpgrade(handshake('GET', ['Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: short']));
      expect(badKey.statusLine).toBe('HTTP/1.1 400 Bad Request');
      expect(JSON.parse(badKey.body)).toMatchObject({
        success: false,
        error: { code: 'VAL_MALFORMED_REQUEST', message: expect.stringContaining('Sec-WebSocket-Key') },
      });

      const badVersion = await rawUpgrade(handshake('GET', ['Sec-WebSocket-Version: 7', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']));
      expect(badVersion.statusLine).toBe('HTTP/1.1 400 Bad Request');
      expect(badVersion.headers['sec-websocket-version']).toBe('13, 8');
      expect(JSON.parse(badVersion.body)).toMatchObject({ error: { code: 'VAL_MALFORMED_REQUEST' }, meta: { request_id: expect.stringMatching(UUID) } });
      // The server goes on accepting proper handshakes.
      expect(await open(viewerKey).next('connection_established')).toMatchObject({ type: 'connection_established' });
    });

    it('answers a proper upgrade to a path no gateway serves with 404 RES_NOT_FOUND in the envelope, then closes the connection', async () => {
      const proper = ['Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', `X-API-Key: ${viewerKey}`];
      // rawExchange reads until the server closes the connection, and fails if it does not.
      const answer = await rawUpgrade(['GET /ws/nope?api_key=secret-in-query HTTP/1.1', ...handshake('GET', [...proper, 'X-Request-ID: ws-nope-1']).slice(1)]);
      expect(answer.statusLine).toBe('HTTP/1.1 404 Not Found');
      expect(answer.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'ws-nope-1', connection: 'close' });
      const body = JSON.parse(answer.body);
      expect(body).toEqual({
        success: false,
        error: { code: 'RES_NOT_FOUND', message: 'Route GET /ws/nope not found', help_url: '/docs/errors#res-not-found' },
        meta: { timestamp: expect.any(String), request_id: 'ws-nope-1', api_version: null },
      });
      expect(answer.body).not.toContain('secret-in-query');

      // A path next to /ws/live is not /ws/live either.
      const trailing = await rawUpgrade(['GET /ws/live/ HTTP/1.1', ...handshake('GET', proper).slice(1)]);
      expect(trailing.statusLine).toBe('HTTP/1.1 404 Not Found');
      expect(JSON.parse(trailing.body)).toMatchObject({ error: { code: 'RES_NOT_FOUND', message: 'Route GET /ws/live/ not found' } });
      // /ws/live itself still upgrades.
      expect(await open(viewerKey).next('connection_established')).toMatchObject({ type: 'connection_established' });
    });
  });

  describe('status topic', () => {
    it('sends status_update with endpoint counts to a new client, which holds only the status topic', async () => {
      for (const [name, active] of [
        ['live-active', true],
        ['live-paused', false],
      ] as const) {
        const res = await stack.api.http
          .post('/api/v1/endpoints')
          .set('X-API-Key', ADMIN_KEY)
          .send({ name, url: `https://${name}.example.com/health`, is_active: active });
        expect(res.status).toBe(201);
      }
      const socket = await connect();
      const update = await socket.next('status_update', 4000);
      expect(update).toEqual({
        type: 'status_update',
        timestamp: expect.any(String),
        endpoints: { total: 2, up: 0, down: 0, degraded: 0, paused: 1, pending: 1 },
        connected_clients: expect.any(Number),
      });
      expect(update.connected_clients).toBeGreaterThanOrEqual(1);
    });

    it('stops status_update once the client unsubscribes from status', async () => {
      const socket = await connect();
      expect(await socket.unsubscribe('status')).toEqual([]);
      socket.inbox.splice(0);
      await sleep(2500);
      expect(socket.inbox.map((m) => m.type)).not.toContain('status_update');
      expect(socket.isOpen).toBe(true);
    });
  });

  describe('subscriptions', () => {
    it('subscribe adds topics to the default one and is acknowledged with the whole set; unsubscribe removes them', async () => {
      const socket = await connect();
      const id = randomUUID();
      expect(await socket.subscribe('checks', `endpoint:${id.toUpperCase()}`)).toEqual(['status', 'checks', `endpoint:${id}`]);
      expect(await socket.subscribe('alerts', 'checks', 'providers', 'logs')).toEqual(['status', 'checks', `endpoint:${id}`, 'alerts', 'providers', 'logs']);
      expect(await socket.unsubscribe('status', `endpoint:${id}`, 'logs')).toEqual(['checks', 'alerts', 'providers']);

      const s = await stats(stack.api);
      expect(s.subscriptions).toMatchObject({ checks: 1, alerts: 1, providers: 1 });
    });

    it('handles a subscribe sent right after opening, before the key has been checked', async () => {
      const socket = open(viewerKey);
      await new Promise((resolve) => socket.ws.once('open', resolve));
      socket.send({ type: 'subscribe', topics: ['checks'] });
      await socket.next('connection_established');
      expect((await socket.next('subscriptions')).topics).toEqual(['status', 'checks']);
    });

    it('answers a bad message with error {code, message} and keeps the connection open', async () => {
      const socket = await connect();
      const cases: Array<[string | Buffer, string, RegExp]> = [
        ['{not json', 'VAL_MALFORMED_JSON', /not valid JSON/],
        ['[1,2]', 'VAL_ERROR', /"type"/],
        [JSON.stringify({ type: 'dance' }), 'VAL_ERROR', /Unknown message type "dance"/],
        [JSON.stringify({ type: 'subscribe' }), 'VAL_ERROR', /"topics" must be an array/],
        [JSON.stringify({ type: 'subscribe', topics: [] }), 'VAL_ERROR', /"topics" must be an array/],
        [JSON.stringify({ type: 'subscribe', topics: ['checks', 'weather', 'endpoint:42'] }), 'VAL_ERROR', /Unknown topics "weather", "endpoint:42"/],
        [JSON.stringify({ type: 'unsubscribe', topics: [7] }), 'VAL_ERROR', /Unknown topic 7/],
        [Buffer.from([0xde, 0xad]), 'VAL_MALFORMED_JSON', /binary/],
      ];
      for (const [frame, code, message] of cases) {
        socket.ws.send(frame, { binary: Buffer.isBuffer(frame) });
        const error = await socket.next('error');
        expect(error).toEqual({ type: 'error', code, message: expect.stringMatching(message) });
      }
      // A refused subscribe changes nothing; the connection still works.
      expect(await socket.subscribe('logs')).toEqual(['status', 'logs']);
      expect(socket.isOpen).toBe(true);
    });

    it('answers a subscribe whose topics nest 8000 levels deep with an error, and the server stays up', async () => {
      const socket = await connect();
      // Under the 16 KiB frame limit; naming such a topic with JSON.stringify overflowed the stack and ended the process.
      socket.send(`{"type":"subscribe","topics":[${'['.repeat(8000)}${']'.repeat(8000)}]}`);
      expect(await socket.next('error')).toEqual({ type: 'error', code: 'VAL_ERROR', message: expect.stringMatching(/^Unknown topic an array;/) });
      expect(await socket.subscribe('checks')).toEqual(['status', 'checks']);
      expect((await stack.api.http.get('/health')).status).toBe(200);
    });
  });

  describeWithRedis('events from another instance', () => {
    it('delivers check_result to checks and endpoint:<id> subscribers and endpoint_status_change also to status, on an instance that did not publish', async () => {
      const instanceB = await stack.startInstance();
      await untilLinked(instanceB, stack.api);
      const endpointId = randomUUID();
      const otherId = randomUUID();
      const checks = await connect();
      await checks.subscribe('checks');
      const one = await connect();
      await one.unsubscribe('status');
      await one.subscribe(`endpoint:${endpointId}`);
      const other = await connect();
      await other.unsubscribe('status');
      await other.subscribe(`endpoint:${otherId}`);
      const dashboard = await connect();

      const bus = instanceB.app.get(EventBus);
      const result = checkResult(endpointId);
      await bus.publish(VigilEvents.CheckResult, result);
      const change = statusChange(endpointId);
      await bus.publish(VigilEvents.EndpointStatusChanged, change);
      await bus.publish(VigilEvents.CheckResult, checkResult(otherId, { success: true, status_code: 200, reason: null }));

      for (const socket of [checks, one]) {
        expect(await socket.next('check_result')).toEqual({ type: 'check_result', ...result });
        expect(await socket.next('endpoint_status_change')).toEqual({ type: 'endpoint_status_change', ...change });
      }
      // The client of checks also gets the last result; the one of endpoint:<id> does not.
      expect((await checks.next('check_result')).endpoint_id).toBe(otherId);
      expect((await other.next('check_result')).endpoint_id).toBe(otherId);
      expect(await dashboard.next('endpoint_status_change')).toEqual({ type: 'endpoint_status_change', ...change });

      // Everything was sent in order on one channel connection, so nothing else is still on its way.
      expect(other.received.filter((m) => m.type === 'check_result' || m.type === 'endpoint_status_change')).toHaveLength(1);
      expect(one.received.filter((m) => m.type === 'check_result')).toHaveLength(1);
      expect(dashboard.received.some((m) => m.type === 'check_result')).toBe(false);
      // Each event is delivered once per client, although it matches two of the client's topics.
      await checks.subscribe(`endpoint:${endpointId}`);
      await bus.publish(VigilEvents.CheckResult, result);
      await checks.next('check_result');
      await sleep(300);
      expect(checks.inbox.filter((m) => m.type === 'check_result')).toHaveLength(0);
    });
  });

  describeWithRedis('key revocation', () => {
    it('closes the open streams of a revoked key with 4401 on every instance, and only those', async () => {
      const instanceB = await stack.startInstance();
      await untilLinked(stack.api, instanceB);
      const doomed = await stack.createKey('viewer');
      const onA = await connect({ key: doomed.key });
      const onB = await connect({ app: instanceB, key: doomed.key, via: 'query' });
      const bystander = await connect();

      expect((await stack.api.http.delete(`/api/v1/auth/keys/${doomed.id}`).set('X-API-Key', ADMIN_KEY)).status).toBe(204);
      expect(await onA.waitClosed()).toEqual({ code: 4401, reason: 'AUTH_REVOKED_API_KEY' });
      expect(await onB.waitClosed()).toEqual({ code: 4401, reason: 'AUTH_REVOKED_API_KEY' });
      expect(bystander.isOpen).toBe(true);
    });
  });

  describe('key expiry', () => {
    it('closes an open stream with 4401 AUTH_EXPIRED_API_KEY when its key expires, and only that stream', async () => {
      const expiresAt = Date.now() + 2500;
      const expiring = await stack.createKey('viewer', { expires_at: new Date(expiresAt).toISOString() });
      const later = await stack.createKey('viewer', { expires_at: new Date(Date.now() + 3_600_000).toISOString() });
      const socket = await connect({ key: expiring.key });
      const viaQuery = await connect({ key: expiring.key, via: 'query' });
      const bystander = await connect({ key: later.key });
      expect(socket.isOpen).toBe(true);

      expect(await socket.waitClosed(6000)).toEqual({ code: 4401, reason: 'AUTH_EXPIRED_API_KEY' });
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
      expect(await viaQuery.waitClosed(1000)).toEqual({ code: 4401, reason: 'AUTH_EXPIRED_API_KEY' });
      expect(bystander.isOpen).toBe(true);
      // The key is refused on reconnect too (the same code), so a client knows to get a new key.
      expect(await open(expiring.key).waitClosed()).toEqual({ code: 4401, reason: 'AUTH_EXPIRED_API_KEY' });
    });
  });

  describe('heartbeat', () => {
    it('pings every WS_PING_INTERVAL_S and keeps a client that answers', async () => {
      const socket = await connect();
      const first = await socket.next('ping', 2500);
      expect(first).toEqual({ type: 'ping', timestamp: expect.any(String) });
      await socket.next('ping', 2500);
      await socket.next('ping', 2500);
      expect(socket.isOpen).toBe(true);
    });

    it('closes with 4408 a client that misses two pings, but not one that sends other messages instead of pong', async () => {
      const before = (await stats(stack.api)).heartbeat_timeouts;
      const silent = await connect({ autoPong: false });
      const chatty = await connect({ autoPong: false });
      const chatter = setInterval(() => chatty.send({ type: 'subscribe', topics: ['logs'] }), 400);
      try {
        const closed = await silent.waitClosed(6000);
        expect(closed.code).toBe(4408);
        expect(closed.reason).toMatch(/heartbeat/);
        expect(silent.received.filter((m) => m.type === 'ping').length).toBeGreaterThanOrEqual(2);
        await sleep(1200);
        expect(chatty.isOpen).toBe(true);
      } finally {
        clearInterval(chatter);
      }
      expect((await stats(stack.api)).heartbeat_timeouts).toBe(before + 1);
    });
  });

  describe('slow clients', () => {
    it('closes with 1013 a client that stops reading once its send buffer passes WS_MAX_BUFFERED_BYTES, while a reading client gets every event', async () => {
      // Its own instance with a long ping interval (on a busy machine, publishing takes long enough for the
      // heartbeat to close the paused client first) and the in-process bus (megabytes of events need not
      // cross Redis to fill a socket).
      const instance = await stack.startInstance({ WS_PING_INTERVAL_S: '120', REDIS_URL: '' });
      const slow = await connect({ app: instance });
      const fast = await connect({ app: instance });
      await slow.subscribe('checks');
      await fast.subscribe('checks');
      slow.ws.pause();

      const bus = instance.app.get(EventBus);
      const endpointId = randomUUID();
      const bigName = 'x'.repeat(128 * 1024);
      let published = 0;
      // The kernel's socket buffers take several MB before anything stays in the server's own buffer.
      while ((await stats(instance)).evictions === 0 && published < 600) {
        for (let i = 0; i < 10; i++, published++)
          await bus.publish(VigilEvents.CheckResult, checkResult(endpointId, { endpoint_name: bigName, id: String(published) }));
      }
      expect((await stats(instance)).evictions).toBe(1);

      await bus.publish(VigilEvents.CheckResult, checkResult(endpointId, { id: 'last' }));
      await fast.next((m) => m.type === 'check_result' && m.id === 'last', 10000);
      expect(fast.received.filter((m) => m.type === 'check_result').map((m) => m.id)).toEqual([
        ...Array.from({ length: published }, (_, i) => String(i)),
        'last',
      ]);
      expect(fast.isOpen).toBe(true);

      slow.ws.resume();
      const closed = await slow.waitClosed(5000);
      expect(closed).toEqual({ code: 1013, reason: expect.stringMatching(/slow/) });
      // It got a prefix of the stream and nothing after its eviction.
      const got = slow.received.filter((m) => m.type === 'check_result');
      expect(got.length).toBeLessThan(published);
      expect(got.some((m) => m.id === 'last')).toBe(false);
      expect((await stats(instance)).connected_clients).toBe(1);
      await instance.close();
    }, 60000);
  });

  describe('GET /live/stats', () => {
    it('answers for any role in v1 and v2 with clients, subscriptions per topic, messages sent, evictions and uptime', async () => {
      const socket = await connect();
      await socket.subscribe('checks', `endpoint:${randomUUID()}`);
      // Clients of earlier tests were closed from this side; wait until the server has seen them go.
      for (let i = 0; i < 50 && (await stats(stack.api)).connected_clients !== 1; i++) await sleep(100);
      for (const version of ['1', '2']) {
        const res = await stack.api.http.get(`/api/v${version}/live/stats`).set('X-API-Key', viewerKey);
        expect(res.status).toBe(200);
        const data = expectEnvelope(res.body, version);
        expect(data).toEqual({
          connected_clients: 1,
          subscriptions: { status: 1, checks: 1, alerts: 0, providers: 0, logs: 0, endpoint: 1 },
          endpoint_topics: 1,
          messages_sent: expect.any(Number),
          evictions: expect.any(Number),
          heartbeat_timeouts: expect.any(Number),
          auth_failures: expect.any(Number),
          connections_total: expect.any(Number),
          started_at: expect.any(String),
          uptime_s: expect.any(Number),
          limits: { ping_interval_s: 1, status_interval_s: 1, max_buffered_bytes: MAX_BUFFERED_BYTES, max_topics_per_client: 500 },
        });
        expect(data.messages_sent).toBeGreaterThan(0);
      }
      expectError(await stack.api.http.get('/api/v1/live/stats'), 401, 'AUTH_MISSING_API_KEY');
    });
  });

  describe('shutdown', () => {
    it('closes its clients with 1001 when the instance shuts down', async () => {
      const instance = await stack.startInstance();
      const socket = await connect({ app: instance });
      await instance.close();
      expect(await socket.waitClosed()).toEqual({ code: 1001, reason: 'server shutting down' });
    });
  });
});
