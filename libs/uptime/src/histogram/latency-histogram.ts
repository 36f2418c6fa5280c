import { BUCKET_COUNT, bucketOf, bucketValue } from './latency-buckets';

/**
 * Decimal digits per bucket in the stored form (see toNumeric). A bucket's count must stay below
 * 10^FIELD_DIGITS in any sum PostgreSQL makes, or it would carry into the next bucket; fromNumeric detects
 * that by comparing the decoded total with the count of the rows summed.
 */
export const FIELD_DIGITS = 9;
export const FIELD_CAPACITY = 10 ** FIELD_DIGITS;

const DIGITS = /^\d+$/;

/**
 * A mergeable latency histogram over the fixed bucket layout of latency-buckets.ts.
 *
 * Stored form: one PostgreSQL `numeric`, Σ count_k · 10^(9·k), i.e. each bucket is a 9-digit decimal field.
 * Adding two such numbers adds every bucket at once, so PostgreSQL merges histograms with its own `+` (in
 * the rollup upsert) and `sum()` (in window queries), in C, with no unnesting; and `numeric` drops leading
 * and trailing zero digits, so a row stores only the span between its lowest and highest non-empty bucket
 * (a single-check minute row is ~10 bytes, a day of one endpoint a few hundred).
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private n = 0;

  static of(latenciesMs: Iterable<number>): LatencyHistogram {
    const h = new LatencyHistogram();
    for (const ms of latenciesMs) h.add(ms);
    return h;
  }

  /**
   * Reads the stored form. With `expectedTotal` (the number of latencies summed, from the rows' own
   * counters) a sum that overflowed a bucket field is an error instead of a wrong histogram.
   */
  static fromNumeric(text: string, expectedTotal?: number): LatencyHistogram {
    if (!DIGITS.test(text)) throw new Error(`a latency histogram is a non-negative integer, got ${text.slice(0, 40)}`);
    const h = new LatencyHistogram();
    // Digit by digit from the right (no substrings: a fleet-wide query decodes a thousand of these).
    let k = 0;
    for (let end = text.length; end > 0; end -= FIELD_DIGITS, k++) {
      let count = 0;
      for (let i = Math.max(0, end - FIELD_DIGITS); i < end; i++) count = count * 10 + (text.charCodeAt(i) - 48);
      if (count === 0) continue;
      if (k >= BUCKET_COUNT) throw new Error(`a latency histogram has a count in bucket ${k}; the layout has ${BUCKET_COUNT}`);
      h.addBucket(k, count);
    }
    if (expectedTotal !== undefined && h.total !== expectedTotal) {
      throw new Error(`a latency histogram holds ${h.total} latencies where its rows counted ${expectedTotal} (a bucket field overflowed)`);
    }
    return h;
  }

  get total(): number {
    return this.n;
  }

  count(bucket: number): number {
    return this.counts[bucket];
  }

  add(latencyMs: number, times = 1): this {
    return this.addBucket(bucketOf(latencyMs), times);
  }

  addBucket(bucket: number, count: number): this {
    this.counts[bucket] += count;
    this.n += count;
    return this;
  }

  merge(other: LatencyHistogram): this {
    for (let k = 0; k < BUCKET_COUNT; k++) this.counts[k] += other.counts[k];
    this.n += other.n;
    return this;
  }

  /**
   * The nearest-rank percentile (0 < percent ≤ 100): the value of the bucket holding the ⌈p·N/100⌉-th
   * smallest latency, within RELATIVE_ERROR of that latency. Null for an empty histogram.
   */
  quantile(percent: number): number | null {
    if (!(percent > 0 && percent <= 100)) throw new RangeError(`percent must be in (0, 100], got ${percent}`);
    if (this.n === 0) return null;
    const rank = Math.max(1, Math.ceil((percent * this.n) / 100));
    let seen = 0;
    for (let k = 0; k < BUCKET_COUNT; k++) {
      seen += this.counts[k];
      if (seen >= rank) return bucketValue(k);
    }
    return bucketValue(BUCKET_COUNT - 1);
  }

  /** The stored form (see the class comment); '0' when empty. */
  toNumeric(): string {
    let top = BUCKET_COUNT - 1;
    while (top > 0 && this.counts[top] === 0) top--;
    const fields: string[] = [];
    for (let k = top; k >= 0; k--) {
      const count = this.counts[k];
      if (count >= FIELD_CAPACITY)
        throw new RangeError(`bucket ${k} holds ${count} latencies; a stored histogram holds fewer than ${FIELD_CAPACITY} per bucket`);
      fields.push(k === top ? String(count) : String(count).padStart(FIELD_DIGITS, '0'));
    }
    return fields.join('');
  }
}
