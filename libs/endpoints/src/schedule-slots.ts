import { createHash } from 'node:crypto';

/**
 * Anchored schedule slots. An endpoint's slots are the instants t with (t − offset) ≡ 0 (mod interval),
 * where offset is a stable value derived from its id: endpoints sharing an interval are spread over it
 * instead of all firing on the same second, and a late check never shifts the following slots (no drift).
 * All values are whole milliseconds, which `timestamptz(3)` stores exactly.
 */

/** The endpoint's stable offset in [0, interval) ms: the same id and interval give the same offset in every process. */
export function slotOffsetMs(id: string, intervalS: number): number {
  const intervalMs = toIntervalMs(intervalS);
  // 48 bits of SHA-256: uniform over any interval up to a day (2^27 ms) and exact in a double.
  const hash = createHash('sha256').update(id.toLowerCase()).digest().readUIntBE(0, 6);
  return hash % intervalMs;
}

/** The endpoint's first slot strictly after `now`: its schedule when it is created, resumed or given a new interval. */
export function firstSlotAfter(id: string, intervalS: number, now: Date | number = Date.now()): Date {
  const intervalMs = toIntervalMs(intervalS);
  const offset = slotOffsetMs(id, intervalS);
  const at = toMs(now);
  const k = Math.floor((at - offset) / intervalMs) + 1;
  return new Date(offset + k * intervalMs);
}

/**
 * The slot that follows `prevSlot` (the due time just run): prevSlot + k·interval for the smallest k ≥ 1
 * that is strictly after `now`. Slots missed while the system was behind are skipped, not run in a burst,
 * and the result stays on the same anchor as prevSlot.
 */
export function nextSlot(prevSlot: Date | number, intervalS: number, now: Date | number = Date.now()): Date {
  const intervalMs = toIntervalMs(intervalS);
  const prev = toMs(prevSlot);
  const at = toMs(now);
  const k = at < prev + intervalMs ? 1 : Math.floor((at - prev) / intervalMs) + 1;
  return new Date(prev + k * intervalMs);
}

function toIntervalMs(intervalS: number): number {
  const ms = Math.round(intervalS * 1000);
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`interval must be a positive number of seconds (got ${intervalS})`);
  return ms;
}

function toMs(t: Date | number): number {
  const ms = typeof t === 'number' ? t : t.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('time must be a valid date');
  return Math.floor(ms);
}
