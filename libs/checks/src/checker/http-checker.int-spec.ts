import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import { Test } from '@nestjs/testing';
import { ConfigModule, type VigilConfig } from '@vigil/config';
import type { Assertion } from '@vigil/endpoints';
import { closedPort, SilentServer, TargetServer } from '../../../../test/support/target-server';
import type { CheckRequest } from '../check-types';
import type { HostLookup } from './guarded-connector';
import { HttpChecker, type HttpCheckerOptions } from './http-checker';

/**
 * The checker against real sockets on loopback. Nothing here may leave the machine: host names resolve
 * from a fixed table, and every socket the process opens is watched (and refused) unless it goes to 127.0.0.1.
 */

const NAMES: Record<string, string[]> = {
  'target.test': ['127.0.0.1'],
  localhost: ['127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'mixed.test': ['127.0.0.1', '10.0.0.1'],
};
const fixedLookup: HostLookup = async (host) => {
  const addresses = NAMES[host];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: net.isIP(address) }));
};

const LOOPBACK = '127.0.0.1';
const attemptedHosts: string[] = [];

function guardSockets(): void {
  /** net.connect(options) / net.connect(port, host) and tls.connect likewise: the host a socket is opened to. */
  const hostOf = (args: unknown[]) =>
    typeof args[0] === 'object' && args[0] !== null ? (args[0] as { host?: string }).host : typeof args[1] === 'string' ? args[1] : 'localhost';
  for (const [module, name] of [
    [net, 'connect'],
    [tls, 'connect'],
  ] as const) {
    const real = module[name] as (...args: unknown[]) => unknown;
    jest.spyOn(module, name).mockImplementation(((...args: unknown[]) => {
      const host = String(hostOf(args));
      attemptedHosts.push(host);
      if (host !== LOOPBACK) throw new Error(`test network guard: refused a connection to ${host}`);
      return real.apply(module, args);
    }) as never);
  }
}

function configWith(checks: Partial<VigilConfig['checks']> = {}): VigilConfig {
  return {
    checks: {
      runInThisProcess: false,
      minIntervalS: 10,
      concurrency: 20,
      maxBodyBytes: 64 * 1024,
      maxRedirects: 3,
      targetAllowlist: ['127.0.0.1/32'],
      downThreshold: 1,
      monitorsFile: '',
      ...checks,
    },
  } as VigilConfig;
}

const checkers: HttpChecker[] = [];
function checkerWith(checks: Partial<VigilConfig['checks']> = {}, options: HttpCheckerOptions = {}): HttpChecker {
  const checker = new HttpChecker(configWith(checks), { lookup: fixedLookup, sleep: async () => undefined, ...options });
  checkers.push(checker);
  return checker;
}

function request(url: string, overrides: Partial<CheckRequest> = {}): CheckRequest {
  return {
    url,
    method: 'GET',
    headers: {},
    body: null,
    timeoutMs: 2000,
    expectedStatus: 200,
    assertions: [],
    retry: { count: 0, initial_backoff_ms: 100, factor: 2 },
    maxRedirects: 3,
    ...overrides,
  };
}

const target = new TargetServer();
let checker: HttpChecker;

beforeAll(async () => {
  guardSockets();
  await target.start();
  checker = checkerWith();
});

afterAll(async () => {
  await Promise.all(checkers.map((c) => c.close()));
  await target.stop();
  jest.restoreAllMocks();
});

beforeEach(() => target.resetCounters());

afterEach(() => {
  // The guard: every socket the tests opened went to loopback.
  expect(attemptedHosts.filter((host) => host !== LOOPBACK)).toEqual([]);
});

describe('HttpChecker on loopback', () => {
  it('is a Nest provider built from VigilConfig, closed with the module', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(configWith())], providers: [HttpChecker] }).compile();
    const injected = moduleRef.get(HttpChecker);
    expect(await injected.check(request(target.url('/status/200')))).toMatchObject({ success: true });
    await moduleRef.close();
  });

  describe('a healthy target', () => {
    it('succeeds with status, phase timings and one attempt', async () => {
      const fresh = checkerWith();
      const outcome = await fresh.check(request(target.url('/status/200')));
      expect(outcome).toMatchObject({ success: true, status_code: 200, reason: null, message: null, attempts: 1, assertions: [] });
      expect(outcome.checked_at).toBeInstanceOf(Date);
      const t = outcome.timings;
      expect(t.dns_ms).toBe(0); // a literal IP needs no DNS
      expect(t.connect_ms).toBeGreaterThan(0);
      expect(t.tls_ms).toBe(0);
      expect(t.first_byte_ms).toBeGreaterThanOrEqual(t.connect_ms);
      expect(t.total_ms).toBeGreaterThanOrEqual(t.first_byte_ms);
      expect(t.reused_connection).toBe(false);
      expect(outcome.response_time_ms).toBe(Math.round(t.total_ms));
    });

    it('reuses the kept-alive connection for the next check to the same origin (connect_ms 0)', async () => {
      const fresh = checkerWith();
      const socketsBefore = attemptedHosts.length;
      const first = await fresh.check(request(target.url('/status/200')));
      const second = await fresh.check(request(target.url('/status/204'), { expectedStatus: '2xx' }));
      expect(first.timings.connect_ms).toBeGreaterThan(0);
      expect(second).toMatchObject({ success: true, status_code: 204 });
      expect(second.timings).toMatchObject({ dns_ms: 0, connect_ms: 0, tls_ms: 0, reused_connection: true });
      expect(target.connections()).toBe(1);
      expect(attemptedHosts.length - socketsBefore).toBe(1);
    });

    it('resolves a name once per connection and connects to the address it checked', async () => {
      const answers = [['127.0.0.1'], ['10.0.0.1']];
      const lookups: string[] = [];
      const rebinding = checkerWith(
        {},
        {
          lookup: async (host) => {
            lookups.push(host);
            return (answers.shift() ?? ['10.0.0.1']).map((address) => ({ address, family: 4 }));
          },
        },
      );
      const before = attemptedHosts.length;
      const url = `http://rebind.test:${target.port}/status/200`;
      expect(await rebinding.check(request(url))).toMatchObject({ success: true });
      expect(await rebinding.check(request(url))).toMatchObject({ success: true, timings: { reused_connection: true } });
      expect(lookups).toEqual(['rebind.test']);
      expect(attemptedHosts.slice(before)).toEqual([LOOPBACK]);
    });

    it('reads no body for HEAD, whatever Content-Length says', async () => {
      expect(await checker.check(request(target.url('/big/100000'), { method: 'HEAD' }))).toMatchObject({ success: true, status_code: 200 });
    });

    it('resolves host names and times the lookup', async () => {
      const outcome = await checker.check(request(`http://target.test:${target.port}/status/200`));
      expect(outcome.success).toBe(true);
      expect(outcome.timings.dns_ms).toBeGreaterThanOrEqual(0);
    });

    it('sends the endpoint method, headers and body, the same on every check of one request object (its first hop is worked out once)', async () => {
      const req = request(target.url('/headers'), {
        method: 'POST',
        headers: { 'X-Api-Key': 'secret-value' },
        body: '{"ping":"test"}',
        assertions: [
          { type: 'json_path', path: "$['x-api-key']", operator: 'eq', value: 'secret-value' },
          { type: 'json_path', path: "$['content-type']", operator: 'eq', value: 'application/json' },
          { type: 'json_path', path: "$['user-agent']", operator: 'contains', value: 'Vigil/' },
          { type: 'json_path', path: "$['content-length']", operator: 'eq', value: '15' },
        ],
      });
      const outcomes = [];
      for (let i = 0; i < 3; i++) outcomes.push(await checker.check(req));
      expect(outcomes[0].assertions.map((a) => a.passed)).toEqual([true, true, true, true]);
      expect(outcomes.map((o) => o.success)).toEqual([true, true, true]);
      expect(target.hits('/headers')).toBe(3);
    });
  });

  describe('failure reasons', () => {
    it('dns: a .invalid name fails at once, without asking DNS', async () => {
      const lookup = jest.spyOn(dns.promises, 'lookup');
      const system = checkerWith({}, { lookup: undefined });
      const outcome = await system.check(request('http://nothing.invalid/'));
      expect(outcome).toMatchObject({ success: false, reason: 'dns', status_code: null, message: 'could not resolve nothing.invalid (ENOTFOUND)' });
      expect(lookup).not.toHaveBeenCalled();
      lookup.mockRestore();
    });

    it('dns: a name the resolver does not know', async () => {
      expect(await checker.check(request('http://unknown.test/'))).toMatchObject({ reason: 'dns', message: 'could not resolve unknown.test (ENOTFOUND)' });
    });

    it('connect_refused: a closed port', async () => {
      const port = await closedPort();
      expect(await checker.check(request(`http://127.0.0.1:${port}/`))).toMatchObject({
        success: false,
        reason: 'connect_refused',
        message: `connection refused by 127.0.0.1:${port}`,
      });
    });

    it('connect_timeout: the deadline passes before a connection is ready (a TLS handshake that never answers)', async () => {
      const silent = new SilentServer();
      await silent.start();
      try {
        const started = Date.now();
        const outcome = await checker.check(request(`https://127.0.0.1:${silent.port}/`, { timeoutMs: 300 }));
        expect(outcome).toMatchObject({ success: false, reason: 'connect_timeout', status_code: null });
        expect(Date.now() - started).toBeLessThan(1500);
      } finally {
        await silent.stop();
      }
    });

    it("connect_timeout: undici's own connect timeout, shorter than the attempt's", async () => {
      const silent = new SilentServer();
      await silent.start();
      try {
        const quick = checkerWith({}, { connectTimeoutMs: 200 });
        const outcome = await quick.check(request(`https://127.0.0.1:${silent.port}/`, { timeoutMs: 3000 }));
        expect(outcome).toMatchObject({ reason: 'connect_timeout', message: `no connection to 127.0.0.1:${silent.port} in time` });
        expect(outcome.response_time_ms).toBeLessThan(2000);
      } finally {
        await silent.stop();
      }
    });

    it('timeout: a target that never answers is cut at timeoutMs', async () => {
      const started = Date.now();
      const outcome = await checker.check(request(target.url('/hang'), { timeoutMs: 300 }));
      expect(outcome).toMatchObject({ success: false, reason: 'timeout', status_code: null, message: 'no complete response within 300 ms' });
      expect(outcome.timings).toMatchObject({ reused_connection: expect.any(Boolean) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(target.hits('/hang')).toBe(1);
    });

    it('timeout: the deadline covers the whole attempt, slow answers included', async () => {
      expect(await checker.check(request(target.url('/delay/1000'), { timeoutMs: 200 }))).toMatchObject({ reason: 'timeout' });
    });

    it('reset: the target closes the connection before answering', async () => {
      expect(await checker.check(request(target.url('/reset')))).toMatchObject({ success: false, reason: 'reset', status_code: null });
      expect(await checker.check(request(target.url('/reset?rst=1')))).toMatchObject({ success: false, reason: 'reset' });
    });

    it('status_mismatch: carries the actual status', async () => {
      expect(await checker.check(request(target.url('/status/503')))).toMatchObject({
        success: false,
        reason: 'status_mismatch',
        status_code: 503,
        message: 'expected status 200, got 503',
      });
      expect(await checker.check(request(target.url('/status/404'), { expectedStatus: ['2xx', 304] }))).toMatchObject({
        reason: 'status_mismatch',
        message: 'expected status 2xx or 304, got 404',
      });
      expect(await checker.check(request(target.url('/status/201'), { expectedStatus: [200, 201] }))).toMatchObject({ success: true });
    });

    it('assertion_failed: names the failing assertion and records every result', async () => {
      target.json = { status: 'DOWN', items: [] };
      const outcome = await checker.check(
        request(target.url('/json'), {
          assertions: [
            { type: 'status', operator: 'eq', value: 200 },
            { type: 'json_path', path: '$.status', operator: 'eq', value: 'UP' },
            { type: 'json_path', path: '$.items.length', operator: 'gt', value: 0 },
          ],
        }),
      );
      expect(outcome).toMatchObject({ success: false, reason: 'assertion_failed', status_code: 200 });
      expect(outcome.message).toBe('assertion 1 (json_path) failed: $.status is "DOWN", expected "UP" (and 1 more)');
      expect(outcome.assertions).toEqual([
        expect.objectContaining({ index: 0, passed: true, actual: 200 }),
        expect.objectContaining({ index: 1, passed: false, actual: 'DOWN' }),
        expect.objectContaining({ index: 2, passed: false, actual: 0 }),
      ]);
      target.json = { status: 'UP', items: [1, 2, 3] };
    });

    it('body_too_large: a declared length over the cap, and a chunked body that grows past it', async () => {
      expect(await checker.check(request(target.url('/big/100000')))).toMatchObject({
        success: false,
        reason: 'body_too_large',
        status_code: 200,
        message: 'the response body of 100000 bytes (Content-Length) exceeds the 65536-byte limit',
      });
      expect(await checker.check(request(target.url('/big/10000000?chunked=1')))).toMatchObject({
        reason: 'body_too_large',
        message: 'the response body exceeds the 65536-byte limit',
      });
      expect(await checker.check(request(target.url('/big/65536?chunked=1')))).toMatchObject({ success: true });
    });

    it('too_many_redirects: more hops than maxRedirects', async () => {
      expect(await checker.check(request(target.url('/redirect/4')))).toMatchObject({
        success: false,
        reason: 'too_many_redirects',
        status_code: 302,
        message: expect.stringContaining('more than 3 redirects'),
      });
      expect(target.hits('/status/200')).toBe(0);
      expect(await checker.check(request(target.url('/redirect/3')))).toMatchObject({ success: true, status_code: 200 });
      expect(target.hits('/status/200')).toBe(1);
      expect(await checker.check(request(target.url('/redirect/1'), { maxRedirects: 0 }))).toMatchObject({ reason: 'too_many_redirects' });
    });

    it('does not follow a redirect the endpoint expects', async () => {
      expect(await checker.check(request(target.url('/redirect/1'), { expectedStatus: 302 }))).toMatchObject({ success: true, status_code: 302 });
      expect(target.hits('/status/200')).toBe(0);
    });
  });

  describe('SSRF guard', () => {
    it('refuses loopback by default (empty allowlist) without touching the target', async () => {
      const strict = checkerWith({ targetAllowlist: [] });
      const outcome = await strict.check(request(target.url('/status/200'), { retry: { count: 2, initial_backoff_ms: 10, factor: 2 } }));
      expect(outcome).toMatchObject({
        success: false,
        reason: 'blocked_target',
        attempts: 1,
        message: '127.0.0.1 is a loopback address (not in VIGIL_TARGET_ALLOWLIST)',
      });
      expect(await strict.check(request(`http://localhost:${target.port}/status/200`))).toMatchObject({ reason: 'blocked_target' });
      expect(target.hits()).toBe(0);
      expect(target.connections()).toBe(0);
    });

    it('refuses a name that resolves to a blocked address, before connecting', async () => {
      const before = attemptedHosts.length;
      expect(await checker.check(request('http://metadata.test/latest/meta-data/'))).toMatchObject({
        reason: 'blocked_target',
        message: 'metadata.test resolves to a blocked address: 169.254.169.254 is a cloud metadata address (not in VIGIL_TARGET_ALLOWLIST)',
      });
      expect(await checker.check(request(`http://mixed.test:${target.port}/status/200`))).toMatchObject({
        reason: 'blocked_target',
        message: expect.stringContaining('10.0.0.1 is a private address'),
      });
      expect(attemptedHosts.length).toBe(before);
      expect(target.hits()).toBe(0);
    });

    it('refuses literal blocked addresses, IPv4-mapped IPv6 included', async () => {
      for (const url of [
        'http://169.254.169.254/latest/meta-data/',
        'http://10.0.0.1/',
        'http://[::ffff:169.254.169.254]/',
        'http://[fd00:ec2::254]/',
        'http://0x7f000002/',
      ]) {
        expect(await checker.check(request(url))).toMatchObject({ reason: 'blocked_target' });
      }
    });

    it.each([
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a cloud metadata address'],
      ['http://10.0.0.1/', '10.0.0.1 is a private address'],
      ['http://metadata.test/', 'metadata.test resolves to a blocked address: 169.254.169.254'],
    ])('refuses a redirect to %s before any connection is attempted', async (location, problem) => {
      const before = attemptedHosts.length;
      const outcome = await checker.check(request(target.url(`/redirect-to?url=${encodeURIComponent(location)}`)));
      expect(outcome).toMatchObject({ success: false, reason: 'blocked_target', status_code: 302 });
      expect(outcome.message).toMatch(/^redirect to http:\/\/[^ ]+ refused: /);
      expect(outcome.message).toContain(problem);
      expect(target.hits('/redirect-to')).toBe(1);
      // At most one socket, to the loopback target itself; none to the blocked address.
      expect(attemptedHosts.slice(before).every((host) => host === LOOPBACK)).toBe(true);
    });
  });

  describe('assertions against a real response', () => {
    const check = (path: string, assertions: Assertion[]) => checker.check(request(target.url(path), { assertions }));

    it('status', async () => {
      expect((await check('/status/200', [{ type: 'status', operator: 'in', value: [200, 204] }])).success).toBe(true);
      expect((await check('/status/200', [{ type: 'status', operator: 'lt', value: 200 }])).reason).toBe('assertion_failed');
    });

    it('response time', async () => {
      expect((await check('/status/200', [{ type: 'response_time', operator: 'lt', value: 1000 }])).success).toBe(true);
      const slow = await check('/delay/150', [{ type: 'response_time', operator: 'lte', value: 50 }]);
      expect(slow).toMatchObject({ reason: 'assertion_failed' });
      expect(slow.assertions[0].actual).toBeGreaterThanOrEqual(150);
    });

    it('header', async () => {
      const outcome = await check('/headers?x-version=1.4.2&Cache-Control=no-store', [
        { type: 'header', name: 'X-Version', operator: 'eq', value: '1.4.2' },
        { type: 'header', name: 'cache-control', operator: 'contains', value: 'no-store' },
        { type: 'header', name: 'content-type', operator: 'matches', value: '^application/json' },
        { type: 'header', name: 'x-missing', operator: 'exists' },
      ]);
      expect(outcome.assertions.map((a) => a.passed)).toEqual([true, true, true, false]);
      expect(outcome.message).toBe('assertion 3 (header) failed: header x-missing is missing');
    });

    it('body', async () => {
      const outcome = await check('/json', [
        { type: 'body', operator: 'contains', value: '"UP"' },
        { type: 'body', operator: 'not_contains', value: 'DOWN' },
        { type: 'body', operator: 'matches', value: '"items":\\[1,' },
        { type: 'body', operator: 'matches', value: '(unclosed' },
      ]);
      expect(outcome.assertions.map((a) => a.passed)).toEqual([true, true, true, false]);
      expect(outcome.assertions[3].message).toMatch(/invalid pattern/);
    });

    it('json path', async () => {
      const ok = await check('/json', [
        { type: 'json_path', path: '$.status', operator: 'eq', value: 'UP' },
        { type: 'json_path', path: '$.items.length', operator: 'gt', value: 0 },
        { type: 'json_path', path: '$.items[0]', operator: 'eq', value: 1 },
      ]);
      expect(ok.success).toBe(true);
      const notJson = await check('/status/200', [{ type: 'json_path', path: '$.status', operator: 'eq', value: 'UP' }]);
      expect(notJson).toMatchObject({ reason: 'assertion_failed' });
      expect(notJson.assertions[0].message).toMatch(/^body is not JSON/);
    });

    it('TLS certificate days over plain http fails with "not https"', async () => {
      const outcome = await check('/status/200', [{ type: 'tls_cert_days', operator: 'gte', value: 1 }]);
      expect(outcome).toMatchObject({ reason: 'assertion_failed' });
      expect(outcome.assertions[0].message).toContain('not https');
    });
  });

  describe('retries', () => {
    it('retries a failing check retry.count times with growing, jittered waits', async () => {
      const waits: number[] = [];
      const retrying = checkerWith({}, { sleep: async (ms) => void waits.push(ms), random: () => 0.5 });
      const outcome = await retrying.check(request(target.url('/status/503'), { retry: { count: 3, initial_backoff_ms: 100, factor: 3 } }));
      expect(outcome).toMatchObject({ success: false, reason: 'status_mismatch', attempts: 4 });
      expect(target.hits('/status/503')).toBe(4);
      expect(waits).toEqual([100, 300, 900]);
    });

    it('stops retrying at the first success, and reports the last attempt', async () => {
      const waits: number[] = [];
      const retrying = checkerWith({}, { sleep: async (ms) => void waits.push(ms), random: () => 0 });
      const outcome = await retrying.check(request(target.url('/flaky/2'), { retry: { count: 5, initial_backoff_ms: 50, factor: 2 } }));
      expect(outcome).toMatchObject({ success: true, status_code: 200, attempts: 3, reason: null });
      expect(waits).toEqual([40, 80]);
    });

    it('does not retry a check that succeeds', async () => {
      const waits: number[] = [];
      const retrying = checkerWith({}, { sleep: async (ms) => void waits.push(ms) });
      expect(await retrying.check(request(target.url('/status/200'), { retry: { count: 3, initial_backoff_ms: 10, factor: 2 } }))).toMatchObject({
        attempts: 1,
      });
      expect(waits).toEqual([]);
    });

    it('waits for real between attempts by default', async () => {
      const real = new HttpChecker(configWith(), { lookup: fixedLookup });
      checkers.push(real);
      const started = Date.now();
      const outcome = await real.check(request(target.url('/status/500'), { retry: { count: 2, initial_backoff_ms: 100, factor: 2 } }));
      expect(outcome.attempts).toBe(3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(80 + 160);
    });
  });
});

const describeTls = TargetServer.tlsAvailable() ? describe : describe.skip;

describeTls('HttpChecker over HTTPS (self-signed certificate made at runtime with openssl)', () => {
  const secure = new TargetServer({ tls: true, certDays: 30 });

  beforeAll(async () => {
    await secure.start();
  });

  afterAll(async () => {
    await secure.stop();
  });

  it('tls: an untrusted certificate fails the check', async () => {
    const outcome = await checkerWith().check(request(secure.url('/status/200')));
    expect(outcome).toMatchObject({ success: false, reason: 'tls', status_code: null });
    expect(outcome.message).toMatch(/^TLS: self[- ]signed certificate/);
  });

  it('tls: a certificate for another name fails the check', async () => {
    const trusting = checkerWith({}, { ca: [secure.certificate.certPem] });
    const outcome = await trusting.check(request(`https://target.test:${secure.port}/status/200`));
    expect(outcome).toMatchObject({ reason: 'tls', message: expect.stringContaining('target.test') });
  });

  it('measures the handshake and reads the days left on the certificate', async () => {
    const trusting = checkerWith({}, { ca: [secure.certificate.certPem] });
    const assertions: Assertion[] = [
      { type: 'tls_cert_days', operator: 'gte', value: 29 },
      { type: 'tls_cert_days', operator: 'gt', value: 30 },
    ];
    const first = await trusting.check(request(`https://localhost:${secure.port}/status/200`, { assertions }));
    expect(first.timings.tls_ms).toBeGreaterThan(0);
    expect(first.assertions.map((a) => [a.passed, a.actual])).toEqual([
      [true, 29],
      [false, 29],
    ]);
    const second = await trusting.check(request(`https://localhost:${secure.port}/status/200`, { assertions: assertions.slice(0, 1) }));
    expect(second).toMatchObject({ success: true, timings: { connect_ms: 0, tls_ms: 0, reused_connection: true } });
    expect(second.assertions[0]).toMatchObject({ passed: true, actual: 29 });
  });
});
