import { canonicalTimeZone, currentOrNextOccurrence, occurrenceAt, occurrencesBetween, weekdayNumber, type WeeklyRecurrence } from './recurrence';

const at = (iso: string) => new Date(iso);
const iso = (o: { start: Date; end: Date } | null) => (o ? { start: o.start.toISOString(), end: o.end.toISOString() } : null);

describe('weekly recurrence', () => {
  const sundays2am: WeeklyRecurrence = { days: [0], startTime: '02:00', durationMinutes: 120, timeZone: 'Europe/Berlin' };

  it('reads the start time in the window time zone (winter: UTC+1)', () => {
    // Sunday 2026-01-04 02:00 in Berlin is 01:00 UTC.
    expect(iso(occurrenceAt(sundays2am, at('2026-01-04T01:30:00Z')))).toEqual({ start: '2026-01-04T01:00:00.000Z', end: '2026-01-04T03:00:00.000Z' });
    expect(occurrenceAt(sundays2am, at('2026-01-04T00:59:59.999Z'))).toBeNull();
    // The end is exclusive.
    expect(occurrenceAt(sundays2am, at('2026-01-04T03:00:00Z'))).toBeNull();
    // Not on Monday.
    expect(occurrenceAt(sundays2am, at('2026-01-05T01:30:00Z'))).toBeNull();
  });

  it('follows the wall clock across DST: the same local start is an hour earlier in UTC in summer', () => {
    const tuesdays: WeeklyRecurrence = { days: [2], startTime: '09:00', durationMinutes: 60, timeZone: 'Europe/Berlin' };
    // Tuesday 2026-03-24 is before the change (UTC+1), Tuesday 2026-03-31 after it (UTC+2).
    expect(iso(occurrenceAt(tuesdays, at('2026-03-24T08:30:00Z')))?.start).toBe('2026-03-24T08:00:00.000Z');
    expect(iso(occurrenceAt(tuesdays, at('2026-03-31T07:30:00Z')))?.start).toBe('2026-03-31T07:00:00.000Z');
    expect(occurrenceAt(tuesdays, at('2026-03-31T08:30:00Z'))).toBeNull();
  });

  it('moves a start time that does not exist on the spring-forward night forward by the gap', () => {
    // 2026-03-29 (Sunday), Berlin: 02:00 → 03:00. 02:30 does not exist; the window starts at 03:30 CEST = 01:30 UTC.
    const r: WeeklyRecurrence = { days: [0], startTime: '02:30', durationMinutes: 60, timeZone: 'Europe/Berlin' };
    expect(iso(occurrenceAt(r, at('2026-03-29T01:45:00Z')))).toEqual({ start: '2026-03-29T01:30:00.000Z', end: '2026-03-29T02:30:00.000Z' });
    expect(occurrenceAt(r, at('2026-03-29T01:29:59Z'))).toBeNull();
  });

  it('starts an ambiguous fall-back time at its first occurrence and lasts its duration in elapsed time', () => {
    // 2026-10-25 (Sunday), Berlin: 03:00 CEST → 02:00 CET; 02:30 happens twice. First: 02:30 CEST = 00:30 UTC.
    const r: WeeklyRecurrence = { days: [0], startTime: '02:30', durationMinutes: 120, timeZone: 'Europe/Berlin' };
    expect(iso(occurrenceAt(r, at('2026-10-25T01:00:00Z')))).toEqual({ start: '2026-10-25T00:30:00.000Z', end: '2026-10-25T02:30:00.000Z' });
    // Two real hours, though the wall clock only moved from 02:30 to 03:30.
    expect(occurrenceAt(r, at('2026-10-25T02:29:00Z'))).not.toBeNull();
    expect(occurrenceAt(r, at('2026-10-25T02:30:00Z'))).toBeNull();
  });

  it('handles the US transitions too (America/New_York, 2026-03-08 and 2026-11-01)', () => {
    const r: WeeklyRecurrence = { days: [0], startTime: '01:30', durationMinutes: 30, timeZone: 'America/New_York' };
    // Spring: 01:30 EST = 06:30 UTC. Fall: 01:30 exists twice, first is EDT = 05:30 UTC.
    expect(iso(currentOrNextOccurrence(r, at('2026-03-07T12:00:00Z')))?.start).toBe('2026-03-08T06:30:00.000Z');
    expect(iso(currentOrNextOccurrence(r, at('2026-10-31T12:00:00Z')))?.start).toBe('2026-11-01T05:30:00.000Z');
  });

  it('keeps running past midnight into the next local day, and a week-long window covers the whole week', () => {
    const lateSaturday: WeeklyRecurrence = { days: [6], startTime: '23:00', durationMinutes: 180, timeZone: 'UTC' };
    expect(occurrenceAt(lateSaturday, at('2026-01-04T01:59:00Z'))).not.toBeNull(); // Sunday 01:59
    expect(occurrenceAt(lateSaturday, at('2026-01-04T02:00:00Z'))).toBeNull();
    const always: WeeklyRecurrence = { days: [1], startTime: '00:00', durationMinutes: 7 * 24 * 60, timeZone: 'UTC' };
    for (const day of ['2026-01-05', '2026-01-07', '2026-01-11']) expect(occurrenceAt(always, at(`${day}T12:00:00Z`))).not.toBeNull();
  });

  it('lists occurrences in order over a period, including one already running at its start', () => {
    const weekends: WeeklyRecurrence = { days: [6, 0], startTime: '22:00', durationMinutes: 240, timeZone: 'UTC' };
    const found = occurrencesBetween(weekends, at('2026-01-04T00:00:00Z'), at('2026-01-11T00:00:00Z')).map((o) => o.start.toISOString());
    expect(found).toEqual(['2026-01-03T22:00:00.000Z', '2026-01-04T22:00:00.000Z', '2026-01-10T22:00:00.000Z']);
  });

  it('gives the running occurrence, else the next one', () => {
    expect(iso(currentOrNextOccurrence(sundays2am, at('2026-01-04T02:00:00Z')))?.start).toBe('2026-01-04T01:00:00.000Z');
    expect(iso(currentOrNextOccurrence(sundays2am, at('2026-01-04T03:00:00Z')))?.start).toBe('2026-01-11T01:00:00.000Z');
  });
});

describe('weekday and time zone input', () => {
  it('reads day numbers and English names', () => {
    expect([0, 6, 'sun', 'Sunday', 'MON', 'tue', 'saturday'].map(weekdayNumber)).toEqual([0, 6, 0, 0, 1, 2, 6]);
    expect([7, -1, 1.5, 'su', 'tues', 'funday', null, '1'].map(weekdayNumber)).toEqual([null, null, null, null, null, null, null, null]);
  });

  it('accepts IANA zones in any case and names them canonically, refusing offsets and unknown names', () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
    for (const bad of ['+02:00', 'UTC+2', 'GMT-5', 'Mars/Olympus', 'Europe/Berlinn', '']) expect(canonicalTimeZone(bad)).toBeNull();
  });
});
