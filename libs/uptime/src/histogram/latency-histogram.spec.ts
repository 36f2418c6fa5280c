import { BUCKET_COUNT, BUCKET_LOWER_BOUNDS, bucketOf, bucketRange, bucketValue, MAX_TRACKED_MS, RELATIVE_ERROR } from './latency-buckets';
import { FIELD_CAPACITY, LatencyHistogram } from './latency-histogram';

/** A small seeded PRNG (mulberry32), so every run tests the same samples. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

/** Nearest-rank percentile of raw values: the ⌈p·N/100⌉-th smallest. */
function exactPercentile(values: number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((percent * sorted.length) / 100)) - 1];
}

const PERCENTS = [1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];

const DISTRIBUTIONS: Record<string, (rnd: () => number) => number[]> = {
  'uniform 0..2000 ms': (rnd) => Array.from({ length: 20_000 }, () => Math.floor(rnd() * 2001)),
  'bimodal (cache hits ~8 ms, misses ~450 ms)': (rnd) =>
    Array.from({ length: 20_000 }, () => Math.max(0, Math.round(rnd() < 0.7 ? 8 + 2 * normal(rnd) : 450 + 60 * normal(rnd)))),
  'heavy tail (Pareto, α = 1.2, from 30 ms)': (rnd) =>
    Array.from({ length: 20_000 }, () => Math.min(MAX_TRACKED_MS, Math.round(30 / Math.pow(1 - rnd(), 1 / 1.2)))),
  'log-normal (median 120 ms, σ 0.6)': (rnd) => Array.from({ length: 20_000 }, () => Math.round(120 * Math.exp(0.6 * normal(rnd)))),
  'a constant (every check 137 ms)': () => Array.from({ length: 500 }, () => 137),
  'a constant of 0 ms': () => Array.from({ length: 50 }, () => 0),
  'a single value': () => [4321],
  'two values far apart': () => [3, 59_000],
};

describe('latency bucket layout', () => {
  it('starts at an exact 0 ms bucket and covers every millisecond up to the cap without gaps', () => {
    expect(BUCKET_LOWER_BOUNDS[0]).toBe(0);
    expect(BUCKET_COUNT).toBe(267);
    for (let k = 1; k < BUCKET_COUNT; k++) expect(BUCKET_LOWER_BOUNDS[k]).toBe(bucketRange(k - 1).hi + 1);
    expect(bucketRange(BUCKET_COUNT - 1).hi).toBe(MAX_TRACKED_MS);
  });

  it('keeps every bucket narrow enough that its reported value is within the relative error bound of anything in it', () => {
    for (let k = 1; k < BUCKET_COUNT; k++) {
      const { lo, hi } = bucketRange(k);
      const v = bucketValue(k);
      // (hi − lo) / (hi + lo) can equal α exactly; 1e-12 only absorbs floating-point rounding.
      expect({ k, worst: Math.max((v - lo) / lo, (hi - v) / hi) <= RELATIVE_ERROR + 1e-12 }).toEqual({ k, worst: true });
    }
  });

  it('puts each millisecond in the bucket whose range holds it, single-millisecond buckets below 25 ms', () => {
    for (let ms = 0; ms <= MAX_TRACKED_MS; ms++) {
      const { lo, hi } = bucketRange(bucketOf(ms));
      if (ms < lo || ms > hi) throw new Error(`${ms} ms went to bucket [${lo}, ${hi}]`);
    }
    for (let ms = 0; ms < 25; ms++) expect(bucketValue(bucketOf(ms))).toBe(ms);
  });

  it('rounds fractions down, counts negatives as 0 and latencies above the cap in the last bucket', () => {
    expect(bucketOf(12.9)).toBe(bucketOf(12));
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(MAX_TRACKED_MS * 3)).toBe(BUCKET_COUNT - 1);
  });
});

describe('LatencyHistogram quantiles', () => {
  it.each(Object.keys(DISTRIBUTIONS))('stays within the error bound of the exact nearest-rank percentiles: %s', (name) => {
    const values = DISTRIBUTIONS[name](random(name.length * 7919));
    const h = LatencyHistogram.of(values);
    expect(h.total).toBe(values.length);
    for (const p of PERCENTS) {
      const exact = exactPercentile(values, p);
      const estimate = h.quantile(p)!;
      expect({ p, exact, withinBound: Math.abs(estimate - exact) <= RELATIVE_ERROR * exact + 1e-9 }).toEqual({ p, exact, withinBound: true });
    }
  });

  it('answers exactly for a single value and for constants, and null when empty', () => {
    expect(LatencyHistogram.of([17]).quantile(99)).toBe(17);
    const constant = LatencyHistogram.of(Array.from({ length: 100 }, () => 137));
    const value = constant.quantile(50)!;
    expect(Math.abs(value - 137) / 137).toBeLessThanOrEqual(RELATIVE_ERROR);
    expect(constant.quantile(1)).toBe(value);
    expect(constant.quantile(100)).toBe(value);
    expect(new LatencyHistogram().quantile(50)).toBeNull();
  });

  it('uses the nearest rank: p50 of 1..4 is the 2nd value, p51 the 3rd', () => {
    const h = LatencyHistogram.of([1, 2, 3, 4]);
    expect(h.quantile(50)).toBe(2);
    expect(h.quantile(51)).toBe(3);
    expect(h.quantile(100)).toBe(4);
  });

  it('refuses a percentile outside (0, 100]', () => {
    const h = LatencyHistogram.of([1]);
    expect(() => h.quantile(0)).toThrow(RangeError);
    expect(() => h.quantile(101)).toThrow(RangeError);
  });
});

describe('LatencyHistogram merging', () => {
  const values = DISTRIBUTIONS['heavy tail (Pareto, α = 1.2, from 30 ms)'](random(42)).concat(
    DISTRIBUTIONS['bimodal (cache hits ~8 ms, misses ~450 ms)'](random(43)),
  );

  function split(into: number, seed: number): number[][] {
    const rnd = random(seed);
    const parts: number[][] = Array.from({ length: into }, () => []);
    for (const v of values) parts[Math.floor(rnd() * into)].push(v);
    return parts;
  }

  function countsOf(h: LatencyHistogram): number[] {
    return Array.from({ length: BUCKET_COUNT }, (_, k) => h.count(k));
  }

  it('merges parts into exactly the histogram of their union, in any order', () => {
    const whole = LatencyHistogram.of(values);
    const parts = split(17, 1).map((p) => LatencyHistogram.of(p));
    const forward = parts.reduce((acc, p) => acc.merge(p), new LatencyHistogram());
    const backward = [...parts].reverse().reduce((acc, p) => acc.merge(p), new LatencyHistogram());
    expect(countsOf(forward)).toEqual(countsOf(whole));
    expect(countsOf(backward)).toEqual(countsOf(whole));
    expect(forward.total).toBe(values.length);
    for (const p of PERCENTS) expect(forward.quantile(p)).toBe(whole.quantile(p));
  });

  it('merges by adding the stored forms, as PostgreSQL does with numeric + and sum()', () => {
    const whole = LatencyHistogram.of(values);
    const parts = split(9, 2).map((p) => LatencyHistogram.of(p));
    const summed = parts.reduce((acc, p) => acc + BigInt(p.toNumeric()), 0n);
    expect(summed.toString()).toBe(whole.toNumeric());
    expect(countsOf(LatencyHistogram.fromNumeric(summed.toString(), values.length))).toEqual(countsOf(whole));
  });

  it('round-trips through the stored form, empty included', () => {
    const h = LatencyHistogram.of([0, 0, 5, 300, 300, 59_000, MAX_TRACKED_MS]);
    const back = LatencyHistogram.fromNumeric(h.toNumeric(), 7);
    expect(countsOf(back)).toEqual(countsOf(h));
    expect(new LatencyHistogram().toNumeric()).toBe('0');
    expect(LatencyHistogram.fromNumeric('0').total).toBe(0);
  });

  it('stores a single latency of 0 ms as 1 and one in bucket k as 10^(9k)', () => {
    expect(LatencyHistogram.of([0]).toNumeric()).toBe('1');
    expect(LatencyHistogram.of([3]).toNumeric()).toBe(`1${'0'.repeat(27)}`);
  });

  it('detects a sum whose bucket field overflowed instead of reporting a wrong histogram', () => {
    const full = new LatencyHistogram().addBucket(5, FIELD_CAPACITY - 1);
    const overflowed = (BigInt(full.toNumeric()) + BigInt(LatencyHistogram.of([5]).toNumeric())).toString();
    expect(() => LatencyHistogram.fromNumeric(overflowed, FIELD_CAPACITY)).toThrow(/overflowed/);
    expect(() => new LatencyHistogram().addBucket(5, FIELD_CAPACITY).toNumeric()).toThrow(RangeError);
  });

  it('refuses text that is not a stored histogram', () => {
    expect(() => LatencyHistogram.fromNumeric('12.5')).toThrow();
    expect(() => LatencyHistogram.fromNumeric('-3')).toThrow();
    expect(() => LatencyHistogram.fromNumeric(`1${'0'.repeat(9 * 300)}`)).toThrow(/layout/);
  });
});
