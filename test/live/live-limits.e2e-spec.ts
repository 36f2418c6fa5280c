import http from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestApp, type TestStack } from '../support/test-app';
import { startRedisOutageStack, type RedisOutageStack } from '../support/redis-outage-stack';
import type { TcpProxy } from '../support/tcp-proxy';
import { describeWithRedis, itWithRedis } from '../support/test-env';
import { LiveSocket, type UpgradeAnswer } from './live-socket';

const LIMIT = 3;
const WINDOW_S = 60;
const LIMITED = { RATE_LIMIT_WS_UPGRADES: String(LIMIT), RATE_LIMIT_WINDOW_S: String(WINDOW_S) };
/** No checks and no monitors file: nothing but the test's own connections. */
const QUIET = { RUN_CHECKS: 'false', MONITORS_FILE: 'test/live/no-monitors-file.yaml' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectAdmitted(answer: UpgradeAnswer, remaining: number): LiveSocket {
  expect(answer.status).toBe(101);
  expect(answer.headers['x-ratelimit-limit']).toBe(String(LIMIT));
  expect(answer.headers['x-ratelimit-remaining']).toBe(String(remaining));
  const reset = Number(answer.headers['x-ratelimit-reset']);
  expect(reset).toBeGreaterThan(Math.floor(Date.now() / 1000) - 1);
  expect(reset).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + WINDOW_S + 1);
  return (answer as { socket: LiveSocket }).socket;
}

/** A refused upgrade: an HTTP 429 in the error envelope, with the contract's headers, and no WebSocket. */
function expectRefused(answer: UpgradeAnswer): any {
  expect(answer).not.toHaveProperty('socket');
  const error = expectError(answer as { status: number; body: any }, 429, 'RATE_LIMIT_EXCEEDED');
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.headers['x-request-id']).toBe((answer as { body: any }).body.meta.request_id);
  const retryAfter = Number(answer.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
  return error;
}

function expectLimitHeaders(answer: UpgradeAnswer): void {
  expect(answer.headers['x-ratelimit-limit']).toBe(String(LIMIT));
  expect(answer.headers['x-ratelimit-remaining']).toBe('0');
  expect(Number(answer.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 1);
}

/** A GET sent from a chosen loopback address. */
function getFrom(localAddress: string, url: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { localAddress, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      })
      .on('error', reject);
  });
}

async function connections(app: TestApp): Promise<number> {
  const res = await app.http.get('/api/v1/live/stats').set('X-API-Key', ADMIN_KEY);
  return expectEnvelope(res.body).connections_total;
}

describe('rate limits on /ws/live upgrades', () => {
  let stack: TestStack;
  const sockets: LiveSocket[] = [];
  const attempt = async (app: TestApp, key: string | undefined, options: Parameters<typeof LiveSocket.attempt>[2] = {}) => {
    const answer = await LiveSocket.attempt(app.url, key, options);
    if ('socket' in answer) sockets.push(answer.socket);
    return answer;
  };

  beforeAll(async () => {
    stack = await startTestStack({ ...QUIET, ...LIMITED });
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });
  afterAll(() => stack?.close());

  it('counts upgrades down on the 101, then answers the next one with 429 in the error envelope, Retry-After and X-RateLimit-*, before any WebSocket opens', async () => {
    const { key } = await stack.createKey('viewer');
    for (let i = 1; i <= LIMIT; i++) {
      const socket = expectAdmitted(await attempt(stack.api, key, { via: i === 2 ? 'query' : 'header' }), LIMIT - i);
      await socket.next('connection_established');
    }
    const before = await connections(stack.api);
    const refused = await attempt(stack.api, key, { headers: { 'X-Request-ID': 'ws-limit-test.1' } });
    const error = expectRefused(refused);
    expectLimitHeaders(refused);
    expect(error.message).toBe(`Rate limit of ${LIMIT} connections per ${WINDOW_S} s exceeded`);
    expect((refused as { body: any }).body.meta).toEqual({ timestamp: expect.any(String), request_id: 'ws-limit-test.1', api_version: null });
    // Still refused on the next try; the hub never saw a connection for either.
    expectRefused(await attempt(stack.api, key, { via: 'query' }));
    expect(await connections(stack.api)).toBe(before);
  });

  it('keeps a separate budget per API key, and apart from the HTTP requests of the same key', async () => {
    const spent = await stack.createKey('viewer');
    const fresh = await stack.createKey('viewer');
    for (let i = 1; i <= LIMIT; i++) expectAdmitted(await attempt(stack.api, spent.key), LIMIT - i);
    expectRefused(await attempt(stack.api, spent.key));

    const other = expectAdmitted(await attempt(stack.api, fresh.key), LIMIT - 1);
    await other.next('connection_established');
    const http = await stack.api.http.get('/api/v1/auth/me').set('X-API-Key', spent.key);
    expect(http.status).toBe(200);
    expect(Number(http.headers['x-ratelimit-remaining'])).toBeGreaterThan(LIMIT);
  });

  it('counts upgrades with an unknown key too (closed 4401 within the limit, then 429), and per client IP without a key', async () => {
    const guessed = `vgl_00000000_${'G'.repeat(43)}`;
    for (let i = 1; i <= LIMIT; i++) {
      const socket = expectAdmitted(await attempt(stack.api, guessed), LIMIT - i);
      expect(await socket.waitClosed()).toEqual({ code: 4401, reason: 'AUTH_INVALID_API_KEY' });
    }
    expectRefused(await attempt(stack.api, guessed));

    for (let i = 1; i <= LIMIT; i++) {
      const socket = expectAdmitted(await attempt(stack.api, undefined, { localAddress: '127.0.0.5' }), LIMIT - i);
      expect(await socket.waitClosed()).toEqual({ code: 4401, reason: 'AUTH_MISSING_API_KEY' });
    }
    expectRefused(await attempt(stack.api, undefined, { localAddress: '127.0.0.5' }));
    // Another client address has its own budget.
    expectAdmitted(await attempt(stack.api, undefined, { localAddress: '127.0.0.6' }), LIMIT - 1);
  });

  itWithRedis('shares one upgrade budget between two instances on the same Redis', async () => {
    const twin = await stack.startInstance();
    const { key } = await stack.createKey('viewer');
    const order = [stack.api, twin, stack.api];
    for (let i = 0; i < order.length; i++) expectAdmitted(await attempt(order[i], key), LIMIT - 1 - i);
    expectRefused(await attempt(twin, key));
    expectRefused(await attempt(stack.api, key));
  });

  it('survives clients that hang up in the middle of an upgrade, and keeps serving', async () => {
    const { port } = new URL(stack.api.url);
    const request = (key: string) =>
      'GET /ws/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-API-Key: ${key}\r\n\r\n`;
    const { key } = await stack.createKey('viewer');
    await Promise.all(
      Array.from({ length: 20 }, (_v, i) => {
        return new Promise<void>((resolve) => {
          const socket = tcpConnect(Number(port), '127.0.0.1', () => {
            // Half of them over the limit (a 429 written to a closed socket), half a guessed key each.
            socket.write(request(i % 2 ? key : `vgl_cafebabe_${i}`));
            socket.destroy();
            resolve();
          });
          socket.on('error', () => resolve());
        });
      }),
    );
    await sleep(300);
    expect((await stack.api.http.get('/health')).status).toBe(200);
    const fresh = await stack.createKey('viewer');
    await expectAdmitted(await attempt(stack.api, fresh.key), LIMIT - 1).next('connection_established');
  });
});

describe('per-IP cap on /ws/live upgrades, whatever keys they send', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // Its own stack (and Redis prefix): the cap of 4 would block 127.0.0.1 for every instance sharing counters.
    stack = await startTestStack({ ...QUIET, RATE_LIMIT_WS_UPGRADES: '100', RATE_LIMIT_PER_IP: '4', RATE_LIMIT_WINDOW_S: String(WINDOW_S) });
  });
  afterAll(() => stack?.close());

  it('answers 429 once an address has made RATE_LIMIT_PER_IP requests and upgrades together, while another address is unaffected', async () => {
    const madeUp = () => `vgl_deadbeef_${Math.random().toString(36).slice(2)}`;
    const me = await getFrom('127.0.0.7', `${stack.api.url}/api/v1/auth/me`, { 'X-API-Key': madeUp() });
    expect(me.status).toBe(401);
    const sockets: LiveSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await LiveSocket.attempt(stack.api.url, madeUp(), { localAddress: '127.0.0.7' });
      expect(answer.status).toBe(101);
      sockets.push((answer as { socket: LiveSocket }).socket);
    }
    const refused = await LiveSocket.attempt(stack.api.url, madeUp(), { localAddress: '127.0.0.7' });
    expect(expectRefused(refused).message).toBe(`Too many connections from this address (4 connections per ${WINDOW_S} s)`);
    expect((await getFrom('127.0.0.7', `${stack.api.url}/api/v1/auth/me`, { 'X-API-Key': madeUp() })).status).toBe(429);
    const elsewhere = await LiveSocket.attempt(stack.api.url, madeUp(), { localAddress: '127.0.0.8' });
    expect(elsewhere.status).toBe(101);
    sockets.push((elsewhere as { socket: LiveSocket }).socket);
    await Promise.all(sockets.map((s) => s.close()));
  });
});

describeWithRedis('rate limits on /ws/live upgrades while Redis is down', () => {
  let outage: RedisOutageStack;
  let proxy: TcpProxy;
  let stack: TestStack;
  let fallback: TestApp;
  let open: TestApp;

  beforeAll(async () => {
    outage = await startRedisOutageStack(QUIET, LIMITED);
    ({ proxy, stack, fallback, open } = outage);
  });
  afterAll(() => outage?.close());

  it('limits upgrades in the process (fallback) or lets them through uncounted (open), and recovers', async () => {
    const forFallback = await stack.createKey('viewer');
    const forOpen = await stack.createKey('viewer');
    await proxy.stop();
    for (let i = 0; i < 150 && (await fallback.http.get('/ready')).status !== 503; i++) await sleep(100);
    expect((await fallback.http.get('/ready')).status).toBe(503);

    const sockets: LiveSocket[] = [];
    for (let i = 1; i <= LIMIT; i++) sockets.push(expectAdmitted(await LiveSocket.attempt(fallback.url, forFallback.key), LIMIT - i));
    expectRefused(await LiveSocket.attempt(fallback.url, forFallback.key));
    for (let i = 0; i < LIMIT + 2; i++) {
      const answer = await LiveSocket.attempt(open.url, forOpen.key);
      expect(answer.status).toBe(101);
      sockets.push((answer as { socket: LiveSocket }).socket);
    }
    await Promise.all(sockets.map((s) => s.close()));

    await proxy.resume();
    for (const app of [fallback, open]) {
      for (let i = 0; i < 150 && (await app.http.get('/ready')).status !== 200; i++) await sleep(100);
      expect((await app.http.get('/ready')).status).toBe(200);
    }
    const afterwards = await stack.createKey('viewer');
    const order = [fallback, open, fallback];
    for (let i = 0; i < order.length; i++) await expectAdmitted(await LiveSocket.attempt(order[i].url, afterwards.key), LIMIT - 1 - i).close();
    expectRefused(await LiveSocket.attempt(open.url, afterwards.key));
  }, 60_000);
});
