import { backoffDelayMs, maxAttempts, worstCaseCheckMs } from './retry-backoff';

const policy = { count: 3, initial_backoff_ms: 100, factor: 2 };

describe('retry backoff', () => {
  it('grows exponentially: initial_backoff_ms * factor^n', () => {
    expect([0, 1, 2].map((n) => backoffDelayMs(policy, n, () => 0.5))).toEqual([100, 200, 400]);
  });

  it('jitters each wait within ±20 %', () => {
    expect(backoffDelayMs(policy, 1, () => 0)).toBe(160);
    expect(backoffDelayMs(policy, 1, () => 0.999999)).toBe(240);
    for (let i = 0; i < 200; i++) {
      const ms = backoffDelayMs(policy, 2);
      expect(ms).toBeGreaterThanOrEqual(320);
      expect(ms).toBeLessThanOrEqual(480);
    }
  });

  it('counts the first attempt plus the retries', () => {
    expect(maxAttempts(policy)).toBe(4);
    expect(maxAttempts({ count: 0, initial_backoff_ms: 0, factor: 1 })).toBe(1);
    expect(maxAttempts(null)).toBe(1);
  });

  it('bounds the longest a check can take', () => {
    expect(worstCaseCheckMs(1000, policy)).toBe(4 * 1000 + 120 + 240 + 480);
    expect(worstCaseCheckMs(1000, null)).toBe(1000);
  });
});
