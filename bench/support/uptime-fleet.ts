import { randomUUID } from 'node:crypto';
import type { RollupInput } from '@vigil/uptime';

/** A small seeded PRNG (mulberry32): the same fleet and the same checks on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Episode {
  from: number;
  to: number;
}

/** How one synthetic endpoint behaves over the run. */
export interface EndpointProfile {
  index: number;
  id: string;
  name: string;
  /** Its raw check_results are written too (the subset the raw GROUP BY scans). */
  raw: boolean;
  /** ms offset of its checks inside each interval. */
  offsetMs: number;
  medianMs: number;
  sigma: number;
  failureRate: number;
  outages: Episode[];
  slowdowns: Episode[];
  /** A weekly maintenance hour (ms into the week), or null. */
  maintenanceAtMs: number | null;
}

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

/**
 * The synthetic fleet the bench writes: per endpoint a log-normal latency (median 20–400 ms, σ 0.25–0.7)
 * with rare spikes, a base failure rate of 0.1–2 %, for some endpoints outages (every check fails),
 * slow spells (×5 latency) and a weekly maintenance hour; 2 % of successes needed a retry.
 */
export class UptimeFleet {
  readonly endpoints: EndpointProfile[];

  constructor(
    count: number,
    rawCount: number,
    readonly fromMs: number,
    readonly toMs: number,
    readonly intervalMs: number,
  ) {
    const rnd = seeded(20261124);
    const rawEvery = rawCount > 0 ? count / rawCount : Infinity;
    const episodes = (n: number, minMs: number, maxMs: number): Episode[] =>
      Array.from({ length: n }, () => {
        const from = fromMs + Math.floor(rnd() * (toMs - fromMs));
        return { from, to: from + minMs + Math.floor(rnd() * (maxMs - minMs)) };
      });
    this.endpoints = Array.from({ length: count }, (_, i) => ({
      index: i,
      id: randomUUID(),
      name: `bench-uptime-${String(i).padStart(5, '0')}`,
      raw: rawCount > 0 && i % rawEvery < 1 && Math.floor(i / rawEvery) < rawCount,
      offsetMs: Math.floor(rnd() * intervalMs),
      medianMs: 20 * Math.exp(rnd() * Math.log(20)),
      sigma: 0.25 + 0.45 * rnd(),
      failureRate: 0.001 * Math.exp(rnd() * Math.log(20)),
      outages: rnd() < 0.3 ? episodes(1 + Math.floor(rnd() * 3), 10 * 60_000, 3 * HOUR) : [],
      slowdowns: rnd() < 0.2 ? episodes(1 + Math.floor(rnd() * 2), HOUR, 6 * HOUR) : [],
      maintenanceAtMs: rnd() < 0.1 ? Math.floor(rnd() * (WEEK - HOUR)) : null,
    }));
  }

  get rawEndpoints(): EndpointProfile[] {
    return this.endpoints.filter((e) => e.raw);
  }

  /** Checks per endpoint over the whole run. */
  get checksPerEndpoint(): number {
    return Math.floor((this.toMs - this.fromMs) / this.intervalMs);
  }

  /**
   * The checks of `endpoints` whose time falls in [from, to), appended to `out` in time order per endpoint.
   * Each endpoint's checks come from its own PRNG stream, so a chunk's checks do not depend on how the run
   * is split into chunks or lanes.
   */
  checks(endpoints: EndpointProfile[], from: number, to: number, out: RollupInput[]): void {
    for (const e of endpoints) {
      const first = Math.max(0, Math.ceil((from - this.fromMs - e.offsetMs) / this.intervalMs));
      for (let k = first; ; k++) {
        const at = this.fromMs + e.offsetMs + k * this.intervalMs;
        if (at >= to || at >= this.toMs) break;
        out.push(this.check(e, k, at));
      }
    }
  }

  private check(e: EndpointProfile, k: number, at: number): RollupInput {
    const rnd = seeded(hash(e.index, k));
    const inside = (list: Episode[]) => list.some((x) => at >= x.from && at < x.to);
    const inMaintenance = e.maintenanceAtMs !== null && (at - this.fromMs) % WEEK >= e.maintenanceAtMs && (at - this.fromMs) % WEEK < e.maintenanceAtMs + HOUR;
    const success = !inside(e.outages) && rnd() >= e.failureRate;
    const normal = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    let ms = e.medianMs * Math.exp(e.sigma * normal) * (inside(e.slowdowns) ? 5 : 1);
    if (rnd() < 0.002) ms *= 5 + 15 * rnd();
    return {
      endpointId: e.id,
      checkedAt: new Date(at),
      success,
      responseTimeMs: success ? Math.min(60_000, Math.round(ms)) : 5000,
      attempts: success && rnd() < 0.02 ? 2 : 1,
      inMaintenance,
    };
  }
}

function hash(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x27d4eb2f, 0xc2b2ae35);
  h ^= h >>> 16;
  return Math.imul(h, 0x7feb352d) >>> 0;
}
