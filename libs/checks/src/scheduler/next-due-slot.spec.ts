import { nextDueSlot } from './next-due-slot';

const SLOT = new Date('2026-11-24T10:00:00.000Z');
const at = (ms: number) => new Date(SLOT.getTime() + ms);

describe('nextDueSlot', () => {
  it('is the slot plus the interval when the check ended in time', () => {
    expect(nextDueSlot(SLOT, 10, at(1_200))).toEqual(at(10_000));
  });

  it('still runs the next slot when the check ended after it, by less than one interval', () => {
    expect(nextDueSlot(SLOT, 10, at(10_050))).toEqual(at(10_000));
    expect(nextDueSlot(SLOT, 10, at(19_999))).toEqual(at(10_000));
  });

  it('skips slots more than one interval old but keeps the anchor and the latest missed slot', () => {
    expect(nextDueSlot(SLOT, 10, at(20_000))).toEqual(at(20_000));
    expect(nextDueSlot(SLOT, 10, at(95_000))).toEqual(at(90_000));
  });
});
