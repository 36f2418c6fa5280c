import http from 'node:http';
import { expectError, startTestStack, type TestApp, type TestStack } from '../support/test-app';
import { startRedisOutageStack, type RedisOutageStack } from '../support/redis-outage-stack';
import type { TcpProxy } from '../support/tcp-proxy';
import { describeWithRedis, itWithRedis, itWithoutRedis } from '../support/test-env';

const LIMIT = 3;
const WINDOW_S = 60;
const LIMITED = { RATE_LIMIT_DEFAULT: String(LIMIT), RATE_LIMIT_WINDOW_S: String(WINDOW_S) };

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: any };

const me = (app: TestApp, key: string): Promise<Reply> => app.http.get('/api/v1/auth/me').set('X-API-Key', key);

/** A GET sent from a chosen loopback address, so a test can be two different client IPs. */
function getFrom(localAddress: string, url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { localAddress, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
      })
      .on('error', reject);
  });
}

/** Polls until `probe` answers `status` (Redis reconnects with a backoff of up to 2 s). */
async function waitForStatus(probe: () => Promise<{ status: number }>, status: number, timeoutMs = 15000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = await probe();
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`still ${last?.status} after ${timeoutMs} ms, waiting for ${status}: ${JSON.stringify(last?.body)}`);
}

function expectRateLimitHeaders(res: Reply, remaining: number): void {
  const nowS = Math.floor(Date.now() / 1000);
  expect(res.headers['x-ratelimit-limit']).toBe(String(LIMIT));
  expect(res.headers['x-ratelimit-remaining']).toBe(String(remaining));
  const reset = Number(res.headers['x-ratelimit-reset']);
  expect(Number.isInteger(reset)).toBe(true);
  expect(reset).toBeGreaterThan(nowS - 1);
  expect(reset).toBeLessThanOrEqual(nowS + WINDOW_S + 1);
}

function expect429(res: Reply): void {
  expectError(res, 429, 'RATE_LIMIT_EXCEEDED');
  expect(res.headers['x-ratelimit-remaining']).toBe('0');
  expect(res.headers['x-ratelimit-limit']).toBe(String(LIMIT));
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
  expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 1);
}

describe('rate limits', () => {
  let stack: TestStack;
  /** Two instances with a limit of 3 per minute on the stack's database and Redis; stack.api (default limit) makes the keys. */
  let limited: TestApp;
  let limitedTwin: TestApp;

  beforeAll(async () => {
    stack = await startTestStack();
    limited = await stack.startInstance(LIMITED);
    limitedTwin = await stack.startInstance(LIMITED);
  });
  afterAll(() => stack?.close());

  it('counts down X-RateLimit-Remaining with Limit and a Reset in epoch seconds within the window', async () => {
    const { key } = await stack.createKey('viewer');
    for (let i = 1; i <= LIMIT; i++) {
      const res = await me(limited, key);
      expect(res.status).toBe(200);
      expectRateLimitHeaders(res, LIMIT - i);
    }
  });

  it('answers the request over the limit with 429 RATE_LIMIT_EXCEEDED, Retry-After and Remaining 0', async () => {
    const { key } = await stack.createKey('viewer');
    for (let i = 0; i < LIMIT; i++) expect((await me(limited, key)).status).toBe(200);
    const over = await me(limited, key);
    expect429(over);
    expect(over.body.error.message).toContain(`${LIMIT} requests per ${WINDOW_S} s`);
    // Still blocked on the next try: the budget does not refill by itself within the window.
    expect429(await me(limited, key));
  });

  it('keeps a separate budget per API key', async () => {
    const spent = await stack.createKey('viewer');
    const fresh = await stack.createKey('viewer');
    for (let i = 0; i < LIMIT; i++) await me(limited, spent.key);
    expect429(await me(limited, spent.key));
    const other = await me(limited, fresh.key);
    expect(other.status).toBe(200);
    expectRateLimitHeaders(other, LIMIT - 1);
  });

  it('counts requests with an unknown key too: 401 within the limit, then 429', async () => {
    const guessed = `vgl_guess_${Date.now()}_0123456789abcdef`;
    for (let i = 1; i <= LIMIT; i++) {
      const res = await me(limited, guessed);
      expectError(res, 401, 'AUTH_INVALID_API_KEY');
      expectRateLimitHeaders(res, LIMIT - i);
    }
    expect429(await me(limited, guessed));
  });

  it('limits requests without a key per client IP (public GET /api/v1/meta/errors)', async () => {
    const url = `${limited.url}/api/v1/meta/errors`;
    for (let i = 1; i <= LIMIT; i++) {
      const res = await getFrom('127.0.0.1', url);
      expect(res.status).toBe(200);
      expectRateLimitHeaders(res, LIMIT - i);
    }
    expect429(await getFrom('127.0.0.1', url));
    // Another client address has its own budget.
    const elsewhere = await getFrom('127.0.0.2', url);
    expect(elsewhere.status).toBe(200);
    expectRateLimitHeaders(elsewhere, LIMIT - 1);
  });

  it('does not limit or count the ops probes (/health, /ready, /)', async () => {
    for (let i = 0; i < LIMIT + 2; i++) {
      for (const path of ['/health', '/ready', '/']) {
        const res = await limited.http.get(path);
        expect(res.status).toBe(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
  });

  itWithoutRedis('counts each instance separately without Redis (limits are per process)', async () => {
    const { key } = await stack.createKey('viewer');
    for (let i = 0; i < LIMIT; i++) expect((await me(limited, key)).status).toBe(200);
    expect429(await me(limited, key));
    expect((await me(limitedTwin, key)).status).toBe(200);
  });

  itWithRedis('shares one budget between two instances on the same Redis', async () => {
    const { key } = await stack.createKey('viewer');
    const order = [limited, limitedTwin, limited];
    for (let i = 0; i < order.length; i++) {
      const res = await me(order[i], key);
      expect(res.status).toBe(200);
      expectRateLimitHeaders(res, LIMIT - 1 - i);
    }
    expect429(await me(limitedTwin, key));
    expect429(await me(limited, key));
  });
});

describe('per-IP cap, whatever key is presented', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ RATE_LIMIT_DEFAULT: '100', RATE_LIMIT_PER_IP: '4', RATE_LIMIT_WINDOW_S: '60' });
  });
  afterAll(() => stack?.close());

  it('answers 429 to a flood of made-up keys from one address, while another address is unaffected', async () => {
    const url = `${stack.api.url}/api/v1/auth/me`;
    const madeUp = () => ({ 'X-API-Key': `vgl_deadbeef_${Math.random().toString(36).slice(2)}` });
    for (let i = 0; i < 4; i++) expectError(await getFrom('127.0.0.3', url, madeUp()), 401, 'AUTH_INVALID_API_KEY');
    const capped = await getFrom('127.0.0.3', url, madeUp());
    expectError(capped, 429, 'RATE_LIMIT_EXCEEDED');
    expect(Number(capped.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expectError(await getFrom('127.0.0.4', url, madeUp()), 401, 'AUTH_INVALID_API_KEY');
  });
});

describeWithRedis('rate limits while Redis is down', () => {
  let outage: RedisOutageStack;
  let proxy: TcpProxy;
  let stack: TestStack;
  let fallback: TestApp;
  let open: TestApp;

  beforeAll(async () => {
    outage = await startRedisOutageStack({}, LIMITED);
    ({ proxy, stack, fallback, open } = outage);
  });
  afterAll(() => outage?.close());

  it('keeps answering, limits in process (fallback) or not at all (open), reports redis down in /ready, and recovers', async () => {
    const forFallback = await stack.createKey('viewer');
    const forOpen = await stack.createKey('viewer');
    const afterwards = await stack.createKey('viewer');
    expect((await fallback.http.get('/ready')).status).toBe(200);

    await proxy.stop();

    const notReady = await waitForStatus(() => fallback.http.get('/ready'), 503);
    const error = expectError(notReady, 503, 'SYS_NOT_READY');
    expect(error.message).toContain('redis');
    expect(error.details).toEqual([expect.objectContaining({ field: 'redis' })]);
    expect(error.details.some((d: { field: string }) => d.field === 'database')).toBe(false);

    // fallback: the limit still holds, counted in this process.
    for (let i = 1; i <= LIMIT; i++) {
      const res = await me(fallback, forFallback.key);
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i));
    }
    expect429(await me(fallback, forFallback.key));

    // open: requests pass uncounted.
    for (let i = 0; i < LIMIT + 2; i++) expect((await me(open, forOpen.key)).status).toBe(200);

    await proxy.resume();

    const ready = await waitForStatus(() => fallback.http.get('/ready'), 200);
    expect(ready.body.data).toMatchObject({ status: 'ready', checks: { database: 'up', redis: 'up' } });
    await waitForStatus(() => open.http.get('/ready'), 200);

    // Counting is shared through Redis again: the two instances spend one budget.
    const order = [fallback, open, fallback];
    for (const app of order) expect((await me(app, afterwards.key)).status).toBe(200);
    expect429(await me(open, afterwards.key));
  });
});
