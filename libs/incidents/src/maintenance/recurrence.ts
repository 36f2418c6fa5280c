import { DateTime, IANAZone } from 'luxon';

/** A weekly window: on each of `days` (0 = Sunday … 6 = Saturday) at `startTime` local time in `timeZone`, for `durationMinutes`. */
export interface WeeklyRecurrence {
  days: number[];
  /** `HH:MM`, 24-hour, local time. */
  startTime: string;
  durationMinutes: number;
  /** IANA zone name, e.g. `Europe/Berlin`. */
  timeZone: string;
}

/** One occurrence of a window: [start, end). */
export interface Occurrence {
  start: Date;
  end: Date;
}

export const MAX_DURATION_MINUTES = 7 * 24 * 60;

const MINUTE_MS = 60_000;
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const OFFSET_LIKE = /^[+-]|^(utc|gmt)[+-]/i;

/** 0..6 for a day number or an English day name (`sun`, `Sunday`); null when it is neither. */
export function weekdayNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 6 ? value : null;
  if (typeof value !== 'string') return null;
  const name = value.trim().toLowerCase();
  if (name.length < 3) return null;
  const index = DAY_NAMES.findIndex((d) => d.startsWith(name));
  return index >= 0 && (name.length === 3 || DAY_NAMES[index] === name) ? index : null;
}

/**
 * The canonical name of an IANA time zone (`europe/berlin` → `Europe/Berlin`), or null when it is not one.
 * Fixed offsets (`+02:00`, `UTC+2`) are refused: a window follows a place's clock, DST included.
 */
export function canonicalTimeZone(value: string): string | null {
  if (OFFSET_LIKE.test(value.trim()) || !IANAZone.isValidZone(value)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
}

/**
 * The start of the occurrence on one local calendar day. DST is resolved the way a wall clock reads:
 * a start time that does not exist that day (clocks spring forward over it) moves forward by the gap
 * (02:30 → 03:30); a start time that exists twice (clocks fall back) is its first occurrence.
 */
function startOn(r: WeeklyRecurrence, day: DateTime): DateTime {
  const [hour, minute] = r.startTime.split(':').map(Number);
  const local = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone: r.timeZone });
  return local.getPossibleOffsets().reduce((first, d) => (d.toMillis() < first.toMillis() ? d : first), local);
}

/**
 * Occurrences that overlap [from, to), in start order. The duration is elapsed time: a 3-hour window over a
 * DST change lasts 3 real hours whatever the wall clock shows.
 */
export function occurrencesBetween(r: WeeklyRecurrence, from: Date, to: Date): Occurrence[] {
  const days = new Set(r.days);
  const durationMs = r.durationMinutes * MINUTE_MS;
  // An occurrence that started up to `duration` before `from` may still be running; one more day covers
  // the local date being a day behind UTC.
  let day = DateTime.fromMillis(from.getTime() - durationMs, { zone: r.timeZone })
    .startOf('day')
    .minus({ days: 1 });
  const last = DateTime.fromMillis(to.getTime(), { zone: r.timeZone }).startOf('day').plus({ days: 1 });
  const found: Occurrence[] = [];
  for (; day <= last; day = day.plus({ days: 1 })) {
    // luxon: 1 = Monday … 7 = Sunday; ours: 0 = Sunday.
    if (!days.has(day.weekday % 7)) continue;
    const start = startOn(r, day).toMillis();
    const end = start + durationMs;
    if (end > from.getTime() && start < to.getTime()) found.push({ start: new Date(start), end: new Date(end) });
  }
  return found;
}

/** The occurrence running at `at`, if any. */
export function occurrenceAt(r: WeeklyRecurrence, at: Date): Occurrence | null {
  return occurrencesBetween(r, at, new Date(at.getTime() + 1)).find((o) => o.start <= at && at < o.end) ?? null;
}

/** The occurrence running at `at`, else the next one to start (within 8 days: every weekly window has one). */
export function currentOrNextOccurrence(r: WeeklyRecurrence, at: Date): Occurrence | null {
  return occurrencesBetween(r, at, new Date(at.getTime() + 8 * 24 * 60 * MINUTE_MS))[0] ?? null;
}
