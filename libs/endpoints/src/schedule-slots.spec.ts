import { randomUUID } from 'node:crypto';
import { firstSlotAfter, nextSlot, slotOffsetMs } from './schedule-slots';

const ID = '2b1c5c1e-8f0a-4a52-9d7e-1f6f3c1d2a10';
const NOW = Date.parse('2026-11-24T10:00:00.123Z');

describe('schedule slots', () => {
  it('derives the same offset for the same id and interval, whatever the case of the uuid', () => {
    expect(slotOffsetMs(ID, 60)).toBe(slotOffsetMs(ID, 60));
    expect(slotOffsetMs(ID.toUpperCase(), 60)).toBe(slotOffsetMs(ID, 60));
    const offset = slotOffsetMs(ID, 60);
    expect(Number.isInteger(offset)).toBe(true);
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(60_000);
  });

  it('puts the first slot strictly after now, within one interval, on the anchor (t − offset) ≡ 0 mod interval', () => {
    for (const intervalS of [1, 10, 30, 60, 300, 3600, 86400]) {
      const slot = firstSlotAfter(ID, intervalS, NOW).getTime();
      expect(slot).toBeGreaterThan(NOW);
      expect(slot - NOW).toBeLessThanOrEqual(intervalS * 1000);
      expect((slot - slotOffsetMs(ID, intervalS)) % (intervalS * 1000)).toBe(0);
    }
  });

  it('moves to the next slot when now is exactly on a slot (strictly after)', () => {
    const slot = firstSlotAfter(ID, 10, NOW);
    expect(firstSlotAfter(ID, 10, slot).getTime()).toBe(slot.getTime() + 10_000);
    expect(firstSlotAfter(ID, 10, slot.getTime() - 1).getTime()).toBe(slot.getTime());
  });

  it('accepts a Date or epoch milliseconds for now', () => {
    expect(firstSlotAfter(ID, 60, new Date(NOW))).toEqual(firstSlotAfter(ID, 60, NOW));
  });

  it('spreads 10,000 endpoints with the same interval over the whole interval instead of one burst', () => {
    const intervalS = 60;
    const buckets = new Array<number>(60).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const slot = firstSlotAfter(randomUUID(), intervalS, NOW).getTime();
      buckets[Math.floor((slot - NOW - 1) / 1000)]++;
    }
    // Uniform would be ~167 per second; no second holds more than twice that, none is empty.
    expect(Math.max(...buckets)).toBeLessThan(334);
    expect(Math.min(...buckets)).toBeGreaterThan(0);
  });

  it('nextSlot is prevSlot + interval when the check ran on time', () => {
    const prev = firstSlotAfter(ID, 30, NOW);
    expect(nextSlot(prev, 30, prev.getTime() + 150).getTime()).toBe(prev.getTime() + 30_000);
    expect(nextSlot(prev, 30, prev.getTime() - 5).getTime()).toBe(prev.getTime() + 30_000);
  });

  it('nextSlot skips missed slots but stays on the same anchor (no drift)', () => {
    const prev = firstSlotAfter(ID, 10, NOW);
    // 35.5 s late: the slots at +10, +20 and +30 s are gone; the next is +40 s.
    const next = nextSlot(prev, 10, prev.getTime() + 35_500);
    expect(next.getTime()).toBe(prev.getTime() + 40_000);
    expect((next.getTime() - slotOffsetMs(ID, 10)) % 10_000).toBe(0);
  });

  it('nextSlot is strictly after now when now falls exactly on a later slot', () => {
    const prev = firstSlotAfter(ID, 10, NOW);
    expect(nextSlot(prev, 10, prev.getTime() + 20_000).getTime()).toBe(prev.getTime() + 30_000);
  });

  it('a chain of on-time nextSlot calls keeps every slot on the anchor of firstSlotAfter', () => {
    let slot = firstSlotAfter(ID, 7, NOW);
    for (let i = 0; i < 1000; i++) slot = nextSlot(slot, 7, slot.getTime() + 3);
    expect((slot.getTime() - slotOffsetMs(ID, 7)) % 7000).toBe(0);
    expect(slot.getTime()).toBe(firstSlotAfter(ID, 7, NOW).getTime() + 1000 * 7000);
  });

  it('refuses a non-positive interval or an invalid date', () => {
    expect(() => firstSlotAfter(ID, 0, NOW)).toThrow(RangeError);
    expect(() => nextSlot(NOW, -5, NOW)).toThrow(RangeError);
    expect(() => firstSlotAfter(ID, 10, new Date('nope'))).toThrow(RangeError);
  });
});
