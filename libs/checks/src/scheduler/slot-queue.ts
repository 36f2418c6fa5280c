/** One queued slot: when it is due (ms, database clock), with whatever the caller needs to run it. */
export interface QueuedSlot {
  slotMs: number;
}

/**
 * A binary min-heap of due slots, soonest first. Items are never removed from the middle: a caller that
 * re-queues or drops an endpoint marks the old item stale (the Scheduler bumps its entry's version) and
 * skips stale items when they reach the top.
 */
export class SlotQueue<T extends QueuedSlot = QueuedSlot> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent].slotMs <= item.slotMs) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = item;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= a.length) break;
      const right = left + 1;
      const child = right < a.length && a[right].slotMs < a[left].slotMs ? right : left;
      if (a[child].slotMs >= last.slotMs) break;
      a[i] = a[child];
      i = child;
    }
    a[i] = last;
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}
