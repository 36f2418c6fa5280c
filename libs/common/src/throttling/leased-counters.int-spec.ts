import Redis from 'ioredis';
import { describeWithRedis, testEnv, uniqueRedisPrefix } from '../../../../test/support/test-env';
import { type CounterRecord, type CounterRequest, LEASE_SHARE, LeasedCounters } from './leased-counters';

/** Two "instances" (each its own client and lease table) on one Redis, as two API processes would be. */
describeWithRedis('LeasedCounters on a real Redis', () => {
  const clients: Redis[] = [];
  const prefixes: string[] = [];
  let prefix: string;

  const instance = (leaseMax: number): LeasedCounters => {
    const client = new Redis(testEnv.redisUrl!, { lazyConnect: false, maxRetriesPerRequest: 1 });
    clients.push(client);
    return new LeasedCounters(client, leaseMax);
  };
  const counter = (name: string, limit: number, ttl = 60_000): CounterRequest => ({ key: `${prefix}${name}`, ttl, limit, blockDuration: ttl, name: 'default' });
  const hit = async (c: LeasedCounters, req: CounterRequest): Promise<CounterRecord> => (await c.hitAll([req]))[0];

  beforeEach(() => {
    prefix = uniqueRedisPrefix();
    prefixes.push(prefix);
  });
  afterAll(async () => {
    const [admin] = clients;
    for (const p of admin ? prefixes : []) {
      const keys = await admin.keys(`${p}*`);
      if (keys.length) await admin.del(...keys);
    }
    clients.forEach((c) => c.disconnect());
  });

  it('counts a small budget hit by hit across instances: exact totals, then both refuse', async () => {
    const a = instance(200);
    const b = instance(200);
    const c = counter('small', 5);
    const seen: number[] = [];
    for (const who of [a, b, a, b, a]) {
      const r = await hit(who, c);
      expect(r.isBlocked).toBe(false);
      seen.push(r.totalHits);
    }
    // floor(5 / 16) = 0, so every reservation is one hit: the totals are exact and in order.
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    const refusedB = await hit(b, c);
    const refusedA = await hit(a, c);
    expect(refusedB.isBlocked).toBe(true);
    expect(refusedA.isBlocked).toBe(true);
    expect(refusedA.timeToBlockExpire).toBeGreaterThanOrEqual(59);
  });

  it('reserves a share of a large budget, so most hits need no round trip', async () => {
    const leaseMax = 200;
    const a = instance(leaseMax);
    const c = counter('large', 10_000);
    const first = await hit(a, c);
    expect(first.totalHits).toBe(1);
    // Redis has counted the whole reservation; the instance spends it locally.
    const reserved = Number(await clients[0].get(`${c.key}:hits`));
    expect(reserved).toBe(Math.min(leaseMax, Math.floor(10_000 / LEASE_SHARE)));
    for (let i = 2; i <= reserved; i++) await hit(a, c);
    expect(Number(await clients[0].get(`${c.key}:hits`))).toBe(reserved);
    const next = await hit(a, c);
    expect(next.totalHits).toBe(reserved + 1);
    expect(Number(await clients[0].get(`${c.key}:hits`))).toBe(2 * reserved);
  });

  it('never lets more than the limit through, however many instances hit at once', async () => {
    const instances = [instance(50), instance(50), instance(50)];
    const limit = 300;
    const c = counter('race', limit);
    const results = await Promise.all(Array.from({ length: 600 }, (_v, i) => hit(instances[i % 3], c)));
    const allowed = results.filter((r) => !r.isBlocked).length;
    expect(allowed).toBeLessThanOrEqual(limit);
    // What one instance holds unused is at most 1/16 of what was left when it reserved: little is lost.
    expect(allowed).toBeGreaterThan(limit - 3 * Math.ceil(limit / LEASE_SHARE));
  });

  it('starts a new budget when the window ends', async () => {
    const a = instance(200);
    const c = counter('window', 2, 300);
    expect((await hit(a, c)).isBlocked).toBe(false);
    expect((await hit(a, c)).isBlocked).toBe(false);
    const refused = await hit(a, c);
    expect(refused.isBlocked).toBe(true);
    await new Promise((r) => setTimeout(r, 450));
    const again = await hit(a, c);
    expect(again.isBlocked).toBe(false);
    expect(again.totalHits).toBe(1);
  });

  it('answers a blocked caller from the instance without asking Redis again', async () => {
    const a = instance(200);
    const c = counter('blocked', 1);
    await hit(a, c);
    expect((await hit(a, c)).isBlocked).toBe(true);
    const counted = Number(await clients[0].get(`${c.key}:hits`));
    for (let i = 0; i < 5; i++) expect((await hit(a, c)).isBlocked).toBe(true);
    expect(Number(await clients[0].get(`${c.key}:hits`))).toBe(counted);
  });

  describe('hitAllLocally (no promise, no round trip)', () => {
    it('answers nothing before a reservation, and counts nothing then', async () => {
      const a = instance(200);
      const c = counter('cold', 1000);
      expect(a.hitAllLocally([c])).toBeNull();
      expect((await hit(a, c)).totalHits).toBe(1);
    });

    it('spends reserved hits exactly as hitAll does, and gives way to hitAll when the reservation runs out', async () => {
      const a = instance(4);
      const c = counter('warm', 10_000);
      expect((await hit(a, c)).totalHits).toBe(1);
      // The reservation was 4 hits: 3 are left here.
      const local = [a.hitAllLocally([c]), a.hitAllLocally([c]), a.hitAllLocally([c])].map((r) => r?.[0].totalHits);
      expect(local).toEqual([2, 3, 4]);
      expect(a.hitAllLocally([c])).toBeNull();
      expect((await hit(a, c)).totalHits).toBe(5);
      expect(Number(await clients[0].get(`${c.key}:hits`))).toBe(8);
    });

    it('is all or nothing over several counters: one without hits left here means none is counted', async () => {
      const a = instance(200);
      const warm = counter('many-warm', 10_000);
      const cold = counter('many-cold', 10_000);
      await hit(a, warm);
      expect(a.hitAllLocally([warm, cold])).toBeNull();
      // warm was not spent by the refused call: its next local hit is its second.
      expect(a.hitAllLocally([warm])?.[0].totalHits).toBe(2);
    });

    it('answers a known block locally', async () => {
      const a = instance(200);
      const c = counter('known-block', 1);
      await hit(a, c);
      expect((await hit(a, c)).isBlocked).toBe(true);
      expect(a.hitAllLocally([c])?.[0]).toMatchObject({ isBlocked: true });
    });
  });
});
