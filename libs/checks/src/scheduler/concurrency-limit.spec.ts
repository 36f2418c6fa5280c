import { ConcurrencyLimit } from './concurrency-limit';

const tick = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimit', () => {
  it('never lets more than max holders in, and hands a released slot to the oldest waiter', async () => {
    const limit = new ConcurrencyLimit(2);
    const order: string[] = [];
    const a = await limit.acquire();
    const b = await limit.acquire();
    expect(limit.available).toBe(0);
    const c = limit.acquire().then((release) => (order.push('c'), release));
    const d = limit.acquire().then((release) => (order.push('d'), release));
    await tick();
    expect({ order, inUse: limit.inUse }).toEqual({ order: [], inUse: 2 });

    a();
    await tick();
    expect({ order, inUse: limit.inUse }).toEqual({ order: ['c'], inUse: 2 });
    b();
    await tick();
    expect({ order, inUse: limit.inUse }).toEqual({ order: ['c', 'd'], inUse: 2 });
    (await c)();
    (await d)();
    expect({ inUse: limit.inUse, available: limit.available }).toEqual({ inUse: 0, available: 2 });
  });

  it('ignores a second release of the same slot', async () => {
    const limit = new ConcurrencyLimit(1);
    const release = await limit.acquire();
    release();
    release();
    expect(limit.inUse).toBe(0);
    await limit.acquire();
    expect(limit.available).toBe(0);
  });

  it('holds the bound under many concurrent tasks', async () => {
    const limit = new ConcurrencyLimit(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        const release = await limit.acquire();
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, Math.random() * 5));
        running--;
        release();
      }),
    );
    expect(peak).toBe(3);
    expect(limit.inUse).toBe(0);
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
  });
});
