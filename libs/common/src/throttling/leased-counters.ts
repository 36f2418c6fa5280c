import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';

/** What a caller learns about one counter after counting one hit on it. */
export interface CounterRecord {
  totalHits: number;
  /** Seconds until the window resets. */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until the block ends (0 when not blocked). */
  timeToBlockExpire: number;
}

export interface CounterRequest {
  key: string;
  ttl: number;
  limit: number;
  blockDuration: number;
  name: string;
}

/** A reservation never takes more than this share of what is left of a budget. */
export const LEASE_SHARE = 16;

/**
 * Reserves hits on fixed-window counters, for any number of counters in one round trip. For each counter:
 * - blocked (its block key lives): nothing is granted;
 * - hits left: grants max(1, min(leaseMax, floor(left / LEASE_SHARE))) hits at once (INCRBY), so an instance
 *   counts the next hits locally; the window starts with the first grant;
 * - no hits left: counts the refused hit and blocks the counter for blockDuration, as @nestjs/throttler does.
 * Returns per counter: granted, hits counted in Redis after this call, ms until the window ends, ms of block left.
 * Registered with defineCommand, so ioredis sends its SHA (EVALSHA) rather than its text.
 */
const LEASE_SCRIPT = `
local out = {}
for i = 1, #KEYS / 2 do
  local hitKey, blockKey = KEYS[2 * i - 1], KEYS[2 * i]
  local ttl, limit, blockDuration, leaseMax = tonumber(ARGV[4 * i - 3]), tonumber(ARGV[4 * i - 2]), tonumber(ARGV[4 * i - 1]), tonumber(ARGV[4 * i])
  local granted, hits, expiresIn, blockExpiresIn = 0, 0, 0, 0
  local blockLeft = redis.call('PTTL', blockKey)
  if blockLeft == -1 then
    redis.call('DEL', blockKey)
    blockLeft = -2
  end
  hits = tonumber(redis.call('GET', hitKey) or '0')
  expiresIn = redis.call('PTTL', hitKey)
  if expiresIn <= 0 then
    hits, expiresIn = 0, ttl
  end
  if blockLeft > 0 then
    blockExpiresIn = blockLeft
  elseif hits < limit then
    granted = math.max(1, math.min(leaseMax, math.floor((limit - hits) / ${LEASE_SHARE})))
    if hits == 0 then
      redis.call('SET', hitKey, granted, 'PX', ttl)
      hits = granted
    else
      hits = redis.call('INCRBY', hitKey, granted)
    end
  else
    if hits == 0 then
      redis.call('SET', hitKey, 1, 'PX', ttl)
      hits = 1
    else
      hits = redis.call('INCR', hitKey)
    end
    redis.call('SET', blockKey, 1, 'PX', blockDuration)
    blockExpiresIn = blockDuration
  end
  table.insert(out, granted)
  table.insert(out, hits)
  table.insert(out, expiresIn)
  table.insert(out, blockExpiresIn)
end
return out`;

type LeasingClient = Redis & { vigilLeaseHits(numKeys: number, ...args: Array<string | number>): Promise<number[]> };

/** This instance's share of one counter's window. */
interface Lease {
  limit: number;
  /** Hits reserved and not yet used here. */
  tokens: number;
  /** Hits counted in Redis when the last reservation was made (all instances, reserved or used). */
  hitsAtGrant: number;
  windowEndsAt: number;
  blockedUntil: number;
  /** A reservation on its way: later hits wait for it instead of sending their own. */
  pending: Promise<void> | null;
}

/**
 * Rate-limit counters shared by every instance through Redis, without a Redis round trip per request:
 * each instance reserves a few hits at a time (a lease) and spends them locally. Reservations are
 * atomic, so all instances together never let more than `limit` hits through in a window; what an
 * instance has reserved but not used is, at most, what another instance may refuse early. Small budgets,
 * or budgets nearly spent, are reserved one hit at a time and so counted exactly.
 * A block is cached locally until it ends: a blocked caller costs no round trip either.
 */
export class LeasedCounters {
  private readonly client: LeasingClient;
  private readonly leases: LRUCache<string, Lease>;

  constructor(
    client: Redis,
    private readonly leaseMax: number,
    maxTrackedCounters = 100_000,
  ) {
    this.client = client as LeasingClient;
    this.client.defineCommand('vigilLeaseHits', { lua: LEASE_SCRIPT });
    this.leases = new LRUCache({ max: maxTrackedCounters });
  }

  /** Counts one hit on each counter; rejects when Redis cannot be reached (the caller falls back). */
  hitAll(counters: CounterRequest[]): Promise<CounterRecord[]> {
    return Promise.all(counters.map((c) => this.hit(c)));
  }

  /**
   * The common case of hitAll without a promise: when every counter can be answered from what this instance
   * holds (hits reserved in a live window, or a block it knows of), counts one hit on each and returns their
   * records. Otherwise counts nothing and returns null: the caller then uses hitAll. All or nothing, so a
   * request is never counted twice on one counter.
   */
  hitAllLocally(counters: readonly CounterRequest[]): CounterRecord[] | null {
    const now = Date.now();
    const leases: Lease[] = [];
    for (const c of counters) {
      const lease = this.leases.get(c.key);
      if (!lease || lease.limit !== c.limit || lease.pending || leases.includes(lease)) return null;
      if (lease.blockedUntil <= now && (lease.windowEndsAt <= now || lease.tokens <= 0)) return null;
      leases.push(lease);
    }
    return leases.map((lease) => (lease.blockedUntil > now ? blockedRecord(lease, now) : spend(lease, now)));
  }

  private async hit(c: CounterRequest): Promise<CounterRecord> {
    for (;;) {
      const now = Date.now();
      let lease = this.leases.get(c.key);
      if (lease && lease.limit !== c.limit) lease = undefined;
      if (lease?.pending) {
        await lease.pending;
        continue;
      }
      if (lease && lease.blockedUntil > now) return blockedRecord(lease, now);
      if (lease && lease.windowEndsAt > now && lease.tokens > 0) return spend(lease, now);
      const fresh: Lease = lease ?? { limit: c.limit, tokens: 0, hitsAtGrant: 0, windowEndsAt: 0, blockedUntil: 0, pending: null };
      if (!lease) this.leases.set(c.key, fresh, { ttl: c.ttl + c.blockDuration });
      fresh.pending = this.reserve(c, fresh).finally(() => (fresh.pending = null));
      await fresh.pending;
    }
  }

  private async reserve(c: CounterRequest, lease: Lease): Promise<void> {
    const [granted, hits, expiresInMs, blockLeftMs] = await this.client.vigilLeaseHits(
      2,
      `${c.key}:hits`,
      `${c.key}:block`,
      c.ttl,
      c.limit,
      c.blockDuration,
      this.leaseMax,
    );
    const now = Date.now();
    lease.tokens = granted;
    lease.hitsAtGrant = hits;
    lease.windowEndsAt = now + expiresInMs;
    lease.blockedUntil = blockLeftMs > 0 ? now + blockLeftMs : 0;
    this.leases.set(c.key, lease, { ttl: Math.max(expiresInMs, blockLeftMs) + 1000 });
  }
}

/** Uses one reserved hit of a lease (it has one, in a live window). */
function spend(lease: Lease, now: number): CounterRecord {
  lease.tokens--;
  return {
    // Hits the caller has used: what Redis counted, less what this instance holds unused.
    totalHits: lease.hitsAtGrant - lease.tokens,
    timeToExpire: Math.ceil((lease.windowEndsAt - now) / 1000),
    isBlocked: false,
    timeToBlockExpire: 0,
  };
}

function blockedRecord(lease: Lease, now: number): CounterRecord {
  return {
    totalHits: Math.max(lease.hitsAtGrant, lease.limit + 1),
    timeToExpire: Math.max(0, Math.ceil((lease.windowEndsAt - now) / 1000)),
    isBlocked: true,
    timeToBlockExpire: Math.max(1, Math.ceil((lease.blockedUntil - now) / 1000)),
  };
}
