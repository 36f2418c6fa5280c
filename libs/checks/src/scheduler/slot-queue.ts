/** One queued slot: the endpoint, when it is due (ms, database clock) and the version of its entry when queued. */
export interface QueuedSlot {
  id: string;
  slotMs: number;
  version: number;
}

/**
 * A binary min-heap of due slots, soonest first. Entries are never removed from the middle: a caller that
 * re-queues or drops an endpoint bumps its version, and skips items whose version is no longer current
 * when they reach the top (see Scheduler).
 */
export class SlotQueue {
  private readonly items: QueuedSlot[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: QueuedSlot): void {
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

  peek(): QueuedSlot | undefined {
    return this.items[0];
  }

  pop(): QueuedSlot | undefined {
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
