import { SlotQueue } from './slot-queue';

describe('SlotQueue', () => {
  it('pops slots soonest first, whatever the order they were pushed in', () => {
    const q = new SlotQueue();
    const slots = [50, 10, 40, 10, 30, 0, 20, 60, 5];
    slots.forEach((slotMs) => q.push({ slotMs }));
    expect(q.size).toBe(slots.length);
    const out: number[] = [];
    while (q.peek()) out.push(q.pop()!.slotMs);
    expect(out).toEqual([...slots].sort((a, b) => a - b));
    expect(q.pop()).toBeUndefined();
  });

  it('keeps the order when pushes and pops interleave (random, checked against a sort)', () => {
    const q = new SlotQueue();
    const model: number[] = [];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 2000; step++) {
      if (rand() < 0.6 || model.length === 0) {
        const slotMs = Math.floor(rand() * 1000);
        q.push({ slotMs });
        model.push(slotMs);
      } else {
        model.sort((a, b) => a - b);
        expect(q.pop()!.slotMs).toBe(model.shift());
      }
    }
    expect(q.size).toBe(model.length);
  });
});
