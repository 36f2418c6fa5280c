import { planRollups, type RollupPlan } from './rollup-plan';

const t = (iso: string) => Date.parse(iso);
const show = (plan: RollupPlan) =>
  Object.fromEntries(
    Object.entries(plan).map(([unit, ranges]) => [unit, ranges.map((r) => `${new Date(r.from).toISOString()} → ${new Date(r.to).toISOString()}`)]),
  );

/** Every minute of [from, to) is covered exactly once by the plan's rows. */
function expectExactCover(from: number, to: number, plan: RollupPlan): void {
  const size = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
  const covered: number[] = [];
  for (const [unit, ranges] of Object.entries(plan) as Array<[keyof typeof size, RollupPlan['day']]>) {
    for (const r of ranges) {
      expect(r.from % size[unit]).toBe(0);
      expect(r.to % size[unit]).toBe(0);
      for (let m = r.from; m < r.to; m += 60_000) covered.push(m);
    }
  }
  covered.sort((a, b) => a - b);
  const expected: number[] = [];
  for (let m = from; m < to; m += 60_000) expected.push(m);
  expect(covered).toEqual(expected);
}

describe('planRollups', () => {
  it('answers whole days inside the window with day rows, whole hours at the edges with hour rows, the rest with minute rows', () => {
    const from = t('2026-03-01T22:17:00Z');
    const to = t('2026-03-04T01:42:00Z');
    const plan = planRollups(from, to);
    expect(show(plan)).toEqual({
      day: ['2026-03-02T00:00:00.000Z → 2026-03-04T00:00:00.000Z'],
      hour: ['2026-03-01T23:00:00.000Z → 2026-03-02T00:00:00.000Z', '2026-03-04T00:00:00.000Z → 2026-03-04T01:00:00.000Z'],
      minute: ['2026-03-01T22:17:00.000Z → 2026-03-01T23:00:00.000Z', '2026-03-04T01:00:00.000Z → 2026-03-04T01:42:00.000Z'],
    });
    expectExactCover(from, to, plan);
  });

  it('uses one day row for exactly one aligned day, and nothing finer', () => {
    expect(show(planRollups(t('2026-03-02T00:00:00Z'), t('2026-03-03T00:00:00Z')))).toEqual({
      day: ['2026-03-02T00:00:00.000Z → 2026-03-03T00:00:00.000Z'],
      hour: [],
      minute: [],
    });
  });

  it('crosses midnight with hours and minutes only when no whole day fits', () => {
    const from = t('2026-03-01T23:30:00Z');
    const to = t('2026-03-02T02:10:00Z');
    const plan = planRollups(from, to);
    expect(show(plan)).toEqual({
      day: [],
      hour: ['2026-03-02T00:00:00.000Z → 2026-03-02T02:00:00.000Z'],
      minute: ['2026-03-01T23:30:00.000Z → 2026-03-02T00:00:00.000Z', '2026-03-02T02:00:00.000Z → 2026-03-02T02:10:00.000Z'],
    });
    expectExactCover(from, to, plan);
  });

  it('stays in minute rows inside one hour', () => {
    expect(show(planRollups(t('2026-03-01T10:05:00Z'), t('2026-03-01T10:50:00Z')))).toEqual({
      day: [],
      hour: [],
      minute: ['2026-03-01T10:05:00.000Z → 2026-03-01T10:50:00.000Z'],
    });
  });

  it('uses nothing coarser than asked: an hourly series never reads day rows', () => {
    const from = t('2026-03-01T22:17:00Z');
    const to = t('2026-03-04T01:42:00Z');
    const byHour = planRollups(from, to, 'hour');
    expect(byHour.day).toEqual([]);
    expect(byHour.hour).toEqual([{ from: t('2026-03-01T23:00:00Z'), to: t('2026-03-04T01:00:00Z') }]);
    expectExactCover(from, to, byHour);
    const byMinute = planRollups(from, to, 'minute');
    expect(byMinute).toEqual({ day: [], hour: [], minute: [{ from, to }] });
  });

  it('covers many random minute-aligned windows exactly once', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 200; i++) {
      const from = t('2026-01-01T00:00:00Z') + (next() % (60 * 24 * 40)) * 60_000;
      const to = from + (1 + (next() % (60 * 24 * 5))) * 60_000;
      expectExactCover(from, to, planRollups(from, to));
    }
  });

  describe('with the compaction watermark', () => {
    const from = t('2026-03-01T22:17:00Z');
    const to = t('2026-03-04T01:42:00Z');

    /** No hour or day bucket ends after the watermark. */
    function expectNothingCoarseAfter(plan: RollupPlan, compactedUntil: number): void {
      for (const r of [...plan.hour, ...plan.day]) expect(r.to).toBeLessThanOrEqual(compactedUntil);
    }

    it('plans as before when the watermark is at or after the end of the window', () => {
      expect(planRollups(from, to, 'day', t('2026-03-04T02:00:00Z'))).toEqual(planRollups(from, to));
      expect(planRollups(t('2026-03-02T00:00:00Z'), t('2026-03-03T00:00:00Z'), 'day', t('2026-03-03T00:00:00Z')).day).toEqual([
        { from: t('2026-03-02T00:00:00Z'), to: t('2026-03-03T00:00:00Z') },
      ]);
    });

    it('reads minute rows only when the watermark is at or before the start of the window', () => {
      for (const w of [from, t('2026-03-01T22:00:00Z'), t('2026-02-01T00:00:00Z'), Number.NEGATIVE_INFINITY]) {
        expect(planRollups(from, to, 'day', w)).toEqual({ day: [], hour: [], minute: [{ from, to }] });
      }
    });

    it('reads hour and day rows before the watermark and minute rows after it, in the middle of a day', () => {
      const w = t('2026-03-03T15:00:00Z');
      const plan = planRollups(from, to, 'day', w);
      expect(show(plan)).toEqual({
        day: ['2026-03-02T00:00:00.000Z → 2026-03-03T00:00:00.000Z'],
        hour: ['2026-03-01T23:00:00.000Z → 2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z → 2026-03-03T15:00:00.000Z'],
        minute: ['2026-03-01T22:17:00.000Z → 2026-03-01T23:00:00.000Z', '2026-03-03T15:00:00.000Z → 2026-03-04T01:42:00.000Z'],
      });
      expectExactCover(from, to, plan);
    });

    it('reads the day of the watermark by hours even when the watermark is its last hour', () => {
      const plan = planRollups(t('2026-03-02T00:00:00Z'), t('2026-03-03T00:00:00Z'), 'day', t('2026-03-02T23:00:00Z'));
      expect(show(plan)).toEqual({
        day: [],
        hour: ['2026-03-02T00:00:00.000Z → 2026-03-02T23:00:00.000Z'],
        minute: ['2026-03-02T23:00:00.000Z → 2026-03-03T00:00:00.000Z'],
      });
    });

    it('merges the minutes left before the watermark with those after it into one range', () => {
      // No whole hour between the window's start and the watermark.
      const plan = planRollups(t('2026-03-01T22:17:00Z'), t('2026-03-01T23:40:00Z'), 'day', t('2026-03-01T23:00:00Z'));
      expect(plan).toEqual({ day: [], hour: [], minute: [{ from: t('2026-03-01T22:17:00Z'), to: t('2026-03-01T23:40:00Z') }] });
    });

    it('keeps an hourly series off day rows and off hour rows after the watermark', () => {
      const plan = planRollups(from, to, 'hour', t('2026-03-03T15:00:00Z'));
      expect(plan.day).toEqual([]);
      expect(plan.hour).toEqual([{ from: t('2026-03-01T23:00:00Z'), to: t('2026-03-03T15:00:00Z') }]);
      expect(plan.minute).toEqual([
        { from, to: t('2026-03-01T23:00:00Z') },
        { from: t('2026-03-03T15:00:00Z'), to },
      ]);
    });

    it('covers many random windows exactly once, never with an hour or day bucket ending after the watermark', () => {
      let seed = 11;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
      for (let i = 0; i < 100; i++) {
        const from = t('2026-01-01T00:00:00Z') + (next() % (60 * 24 * 40)) * 60_000;
        const to = from + (1 + (next() % (60 * 24 * 5))) * 60_000;
        const w = Math.floor((from - 86_400_000 + (next() % (60 * 24 * 7)) * 60_000) / 3_600_000) * 3_600_000;
        for (const coarsest of ['day', 'hour', 'minute'] as const) {
          const plan = planRollups(from, to, coarsest, w);
          expectExactCover(from, to, plan);
          expectNothingCoarseAfter(plan, w);
          expect(plan.minute.length).toBeLessThanOrEqual(2);
        }
      }
    });
  });

  it('covers nothing for an empty window and refuses instants that are not whole minutes', () => {
    expect(planRollups(t('2026-03-01T10:00:00Z'), t('2026-03-01T10:00:00Z'))).toEqual({ day: [], hour: [], minute: [] });
    expect(() => planRollups(t('2026-03-01T10:00:30Z'), t('2026-03-01T11:00:00Z'))).toThrow(RangeError);
  });
});
