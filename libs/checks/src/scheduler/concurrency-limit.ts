/**
 * A counting semaphore: at most `max` holders at once; acquire() waits its turn (first come, first served).
 * The scheduler claims a little ahead of its free capacity, so claimed checks wait here for a slot.
 */
export class ConcurrencyLimit {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a positive integer (got ${max})`);
  }

  get inUse(): number {
    return this.held;
  }

  /** Callers waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  get available(): number {
    return Math.max(0, this.max - this.held - this.waiting.length);
  }

  /** Resolves with a release function once a slot is free; call it exactly once. */
  async acquire(): Promise<() => void> {
    if (this.held < this.max && this.waiting.length === 0) {
      this.held++;
    } else {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `held` never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.held--;
    };
  }
}
