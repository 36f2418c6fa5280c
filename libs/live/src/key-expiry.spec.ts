import { MAX_TIMER_MS, onKeyExpiry } from './key-expiry';

const DAY_MS = 86_400_000;

describe('onKeyExpiry', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('fires once when the clock reaches the expiry, not before', () => {
    const expired = jest.fn();
    onKeyExpiry(Date.now() + 2000, expired);
    jest.advanceTimersByTime(1999);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(10 * DAY_MS);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('waits in steps for an expiry further off than one timer can wait, instead of firing at once', () => {
    const expired = jest.fn();
    const expiresAt = Date.now() + 60 * DAY_MS;
    expect(60 * DAY_MS).toBeGreaterThan(2 * MAX_TIMER_MS);
    onKeyExpiry(expiresAt, expired);
    jest.advanceTimersByTime(1);
    jest.advanceTimersByTime(2 * MAX_TIMER_MS);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(expiresAt - Date.now() - 1);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('fires at once for an expiry already past', () => {
    const expired = jest.fn();
    onKeyExpiry(Date.now() - 1, expired);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('never fires once cancelled', () => {
    const expired = jest.fn();
    const cancel = onKeyExpiry(Date.now() + 1000, expired);
    cancel();
    jest.advanceTimersByTime(5000);
    expect(expired).not.toHaveBeenCalled();
  });
});
