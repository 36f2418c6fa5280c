import { AppError, ErrorCode } from '@vigil/common';
import { periodWindow, resolveWindow } from './uptime-window';

const NOW = Date.parse('2026-11-24T10:30:25.500Z');
const LIMITS = { maxWindowDays: 400, maxBuckets: 10_080 };
const iso = (w: { from: Date; to: Date }) => ({ from: w.from.toISOString(), to: w.to.toISOString() });

function refusal(run: () => unknown): { field?: string; message: string } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.VAL_INVALID_QUERY);
    expect((err as AppError).status).toBe(400);
    return (err as AppError).details![0];
  }
  throw new Error('the window was accepted');
}

describe('resolveWindow', () => {
  it('truncates both instants to the minute', () => {
    expect(iso(resolveWindow({ from: '2026-11-20T08:15:59.999Z', to: '2026-11-22T09:00:30Z' }, NOW, LIMITS))).toEqual({
      from: '2026-11-20T08:15:00.000Z',
      to: '2026-11-22T09:00:00.000Z',
    });
  });

  it('defaults to the 24 hours up to the end of the current minute', () => {
    expect(iso(resolveWindow({}, NOW, LIMITS))).toEqual({ from: '2026-11-23T10:31:00.000Z', to: '2026-11-24T10:31:00.000Z' });
    expect(iso(resolveWindow({ to: '2026-11-24T00:00:00Z' }, NOW, LIMITS))).toEqual({ from: '2026-11-23T00:00:00.000Z', to: '2026-11-24T00:00:00.000Z' });
  });

  it('ends a window reaching into the future at the end of the current minute', () => {
    expect(iso(resolveWindow({ from: '2026-11-24T09:00:00Z', to: '2026-12-01T00:00:00Z' }, NOW, LIMITS))).toEqual({
      from: '2026-11-24T09:00:00.000Z',
      to: '2026-11-24T10:31:00.000Z',
    });
  });

  it('refuses an inverted or empty range', () => {
    expect(refusal(() => resolveWindow({ from: '2026-11-22T00:00:00Z', to: '2026-11-21T00:00:00Z' }, NOW, LIMITS))).toMatchObject({ field: 'from' });
    expect(refusal(() => resolveWindow({ from: '2026-11-22T00:00:00Z', to: '2026-11-22T00:00:00Z' }, NOW, LIMITS)).message).toContain('before');
  });

  it('refuses a window with no whole minute once truncated', () => {
    expect(refusal(() => resolveWindow({ from: '2026-11-22T10:00:05Z', to: '2026-11-22T10:00:55Z' }, NOW, LIMITS))).toMatchObject({
      field: 'to',
      message: expect.stringContaining('truncated to the minute'),
    });
  });

  it('refuses a window that starts in the future', () => {
    expect(refusal(() => resolveWindow({ from: '2026-11-25T00:00:00Z', to: '2026-11-26T00:00:00Z' }, NOW, LIMITS))).toMatchObject({
      field: 'from',
      message: expect.stringContaining('future'),
    });
  });

  it('refuses a window longer than the configured maximum, and accepts one exactly that long', () => {
    expect(refusal(() => resolveWindow({ from: '2025-10-19T00:00:00Z', to: '2026-11-24T00:00:00Z' }, NOW, LIMITS)).message).toContain('400 days');
    expect(resolveWindow({ from: '2025-10-20T00:00:00Z', to: '2026-11-24T00:00:00Z' }, NOW, LIMITS).from.toISOString()).toBe('2025-10-20T00:00:00.000Z');
  });

  it('refuses more buckets than allowed for the granularity, counting partial edge buckets', () => {
    const week = { from: '2026-11-17T10:00:00Z', to: '2026-11-24T10:00:00Z' };
    expect(resolveWindow(week, NOW, LIMITS, 'minute').to.toISOString()).toBe('2026-11-24T10:00:00.000Z');
    expect(refusal(() => resolveWindow({ ...week, to: '2026-11-24T10:01:00Z' }, NOW, LIMITS, 'minute'))).toMatchObject({
      field: 'granularity',
      message: expect.stringContaining('coarser granularity'),
    });
    expect(resolveWindow({ from: '2026-01-01T00:00:00Z', to: '2026-11-24T00:00:00Z' }, NOW, LIMITS, 'hour').from.toISOString()).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(refusal(() => resolveWindow({ from: '2026-01-01T00:00:00Z', to: '2026-11-24T00:00:00Z' }, NOW, { ...LIMITS, maxBuckets: 1000 }, 'hour')).field).toBe(
      'granularity',
    );
  });
});

describe('periodWindow', () => {
  it('covers the period up to the end of the current minute', () => {
    expect(iso(periodWindow('24h', NOW))).toEqual({ from: '2026-11-23T10:31:00.000Z', to: '2026-11-24T10:31:00.000Z' });
    expect(iso(periodWindow('30d', NOW))).toEqual({ from: '2026-10-25T10:31:00.000Z', to: '2026-11-24T10:31:00.000Z' });
  });
});
