/**
 * The bucket layout of every latency histogram Vigil stores (DDSketch-style, log-spaced, over whole
 * milliseconds). Bucket k holds the integers [lo_k, hi_k] with hi_k ≤ γ·lo_k, γ = (1 + α) / (1 − α), so
 * reporting 2·lo·hi / (lo + hi) for any value in it is off by at most (hi − lo) / (hi + lo) ≤ α: every
 * quantile is within α of the exact one, whatever the distribution. Below 1 / (γ − 1) ≈ 25 ms each bucket
 * is a single millisecond, so small latencies are exact.
 *
 * The layout is part of the stored format (rollup rows hold counts per bucket index): changing α or the
 * cap needs a migration that rebuilds the histograms.
 */
export const RELATIVE_ERROR = 0.02;

/** Latencies above this (10 minutes, far beyond the 60 s check timeout) are counted in the last bucket. */
export const MAX_TRACKED_MS = 600_000;

const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);

function lowerBounds(): number[] {
  const bounds = [0];
  for (let lo = 1; lo <= MAX_TRACKED_MS; lo = Math.floor(GAMMA * lo) + 1) bounds.push(lo);
  return bounds;
}

/** Inclusive lower bound of each bucket, ascending; bucket 0 is exactly 0 ms. */
export const BUCKET_LOWER_BOUNDS: readonly number[] = Object.freeze(lowerBounds());

/** 267 buckets for α = 2 % up to 10 minutes. */
export const BUCKET_COUNT = BUCKET_LOWER_BOUNDS.length;

/** The bucket of a latency in ms (rounded down to a whole ms, negative as 0, above the cap as the cap). */
export function bucketOf(ms: number): number {
  const v = Math.min(MAX_TRACKED_MS, Math.max(0, Math.floor(ms)));
  let lo = 0;
  let hi = BUCKET_COUNT - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (BUCKET_LOWER_BOUNDS[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The whole milliseconds bucket k holds. */
export function bucketRange(k: number): { lo: number; hi: number } {
  const lo = BUCKET_LOWER_BOUNDS[k];
  const hi = k + 1 < BUCKET_COUNT ? BUCKET_LOWER_BOUNDS[k + 1] - 1 : MAX_TRACKED_MS;
  return { lo, hi };
}

/** The value reported for bucket k: the one with the smallest worst-case relative error over [lo, hi]. */
export function bucketValue(k: number): number {
  const { lo, hi } = bucketRange(k);
  return lo === hi ? lo : (2 * lo * hi) / (lo + hi);
}
