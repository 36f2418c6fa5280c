import { Logger } from '@nestjs/common';
import { loadConfig } from '@vigil/config';
import type { ClaimedSlot, EndpointEntity, EndpointScheduleRepository } from '@vigil/endpoints';
import type { CheckOutcome, CheckRequest } from '../check-types';
import type { HttpChecker } from '../checker';
import type { WorkerIdentity } from '../worker-identity';
import type { CheckResultWriter } from './check-result-writer';
import { Scheduler } from './scheduler';

/** Fakes for the database, the checker and the writer: the loop's rules need no I/O. */
function harness(env: Record<string, string> = {}) {
  const config = loadConfig({
    NODE_ENV: 'test',
    CHECK_CONCURRENCY: '3',
    SCHEDULER_TICK_MS: '50',
    SCHEDULER_BATCH_SIZE: '2',
    SHUTDOWN_TIMEOUT_MS: '10000',
    ...env,
  });
  let due = 0;
  let n = 0;
  const limits: number[] = [];
  const pending: Array<() => void> = [];
  let inFlight = 0;
  let peak = 0;
  const written: string[] = [];
  const calls: string[] = [];
  const schedule = {
    claimDue: jest.fn(async (_owner: string, limit: number) => {
      limits.push(limit);
      const take = Math.min(limit, due);
      due -= take;
      return Array.from({ length: take }, (): ClaimedSlot => {
        const id = `e${n++}`;
        return {
          endpoint: { id, name: id, timeoutMs: 1000, retry: { count: 0, initial_backoff_ms: 0, factor: 1 } } as EndpointEntity,
          slot: new Date(0),
          leaseUntil: new Date(Date.now() + 5000),
        };
      });
    }),
    releaseLeases: jest.fn(async () => (calls.push('release'), 0)),
  } as unknown as EndpointScheduleRepository;
  const checker = {
    check: jest.fn(
      (_req: CheckRequest) =>
        new Promise<CheckOutcome>((resolve) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          pending.push(() => {
            inFlight--;
            resolve({ success: true } as CheckOutcome);
          });
        }),
    ),
  } as unknown as HttpChecker;
  const writerState = { backedUp: false, onWritten: () => undefined as void };
  const writer = {
    add: jest.fn((r: { endpointId: string }) => written.push(r.endpointId)),
    close: jest.fn(async () => void calls.push('close')),
    pending: 0,
    get backedUp() {
      return writerState.backedUp;
    },
    onWritten: (listener: () => void) => (writerState.onWritten = listener),
  } as unknown as CheckResultWriter;
  const scheduler = new Scheduler(config, { id: 'w1' } as WorkerIdentity, schedule, checker, writer);
  return {
    scheduler,
    limits,
    written,
    calls,
    setDue: (k: number) => (due = k),
    /** The writer backs up (true) or catches up (false, and a write ends). */
    setWriterBackedUp: (v: boolean) => {
      writerState.backedUp = v;
      if (!v) writerState.onWritten();
    },
    finishOne: () => pending.shift()?.(),
    get checksStarted() {
      return (checker.check as jest.Mock).mock.calls.length;
    },
    get inFlight() {
      return inFlight;
    },
    get peak() {
      return peak;
    },
  };
}

/** Stops the loop while finishing every check it has running, until it has stopped. */
async function stopDraining(h: ReturnType<typeof harness>): Promise<void> {
  let stopped = false;
  const stopping = h.scheduler.stop().then(() => (stopped = true));
  while (!stopped) {
    h.finishOne();
    await jest.advanceTimersByTimeAsync(10);
  }
  await stopping;
}

/** Runs what is due now, including ticks scheduled with no delay by those ticks (fake timers run them 1 ms later). */
const flush = async () => {
  for (let i = 0; i < 5; i++) await jest.advanceTimersByTimeAsync(1);
};

// The warnings these tests provoke on purpose would only be noise.
beforeAll(() => Logger.overrideLogger(false));

describe('Scheduler', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('claims in batches up to one batch ahead of its free capacity, and never runs more than CHECK_CONCURRENCY checks at once', async () => {
    const h = harness();
    h.setDue(10);
    h.scheduler.start();
    await flush();
    // A full batch of 2 is claimed again at once, until the 3 slots and one batch (2) waiting are taken: 2, 2, then 1.
    expect(h.limits).toEqual([2, 2, 1]);
    expect(h.inFlight).toBe(3);
    expect(h.scheduler.state()).toMatchObject({ in_flight: 3, queued: 2 });
    await jest.advanceTimersByTimeAsync(200);
    expect(h.limits).toEqual([2, 2, 1]);
    h.finishOne();
    await flush();
    // The freed slot went at once to a check claimed ahead; the room it left is claimed again.
    expect(h.inFlight).toBe(3);
    expect(h.limits).toEqual([2, 2, 1, 1]);
    for (let i = 0; i < 20; i++) {
      h.finishOne();
      await jest.advanceTimersByTimeAsync(50);
    }
    expect(h.peak).toBe(3);
    expect(h.written).toHaveLength(10);
    await h.scheduler.stop();
  });

  it('claims again as soon as capacity frees up while a backlog is due, not a whole tick later', async () => {
    const h = harness({ SCHEDULER_TICK_MS: '10000' });
    h.setDue(10);
    h.scheduler.start();
    await flush();
    expect(h.limits).toEqual([2, 2, 1]);
    h.finishOne();
    await flush();
    // Well before the 10 s tick: the room was refilled at once.
    expect(h.limits).toEqual([2, 2, 1, 1]);
    expect(h.inFlight).toBe(3);
    expect(h.written).toHaveLength(1);
    await stopDraining(h);
  });

  it('does not start checks claimed ahead once stopping: they are left to the released leases', async () => {
    const h = harness({ SCHEDULER_TICK_MS: '10000' });
    h.setDue(5);
    h.scheduler.start();
    await flush();
    expect(h.scheduler.state()).toMatchObject({ in_flight: 3, queued: 2 });
    const stopping = h.scheduler.stop();
    for (let i = 0; i < 3; i++) h.finishOne();
    await stopping;
    // Only the three running checks were written; the two waiting never ran, and the leases were given back after the write.
    expect(h.written).toEqual(['e0', 'e1', 'e2']);
    expect(h.checksStarted).toBe(3);
    expect(h.calls).toEqual(['close', 'release']);
  });

  it('claims nothing while the writer is backed up, and claims again as soon as a write ends', async () => {
    const h = harness({ SCHEDULER_TICK_MS: '10000' });
    h.setDue(10);
    h.scheduler.start();
    await flush();
    expect(h.limits).toEqual([2, 2, 1]);
    h.setWriterBackedUp(true);
    h.finishOne();
    h.finishOne();
    await flush();
    // Room freed up, but the results have not been written: no claim.
    expect(h.limits).toEqual([2, 2, 1]);
    h.setWriterBackedUp(false);
    await flush();
    expect(h.limits).toEqual([2, 2, 1, 2]);
    await stopDraining(h);
  });

  it('waits for the next tick once the backlog is drained', async () => {
    const h = harness({ SCHEDULER_TICK_MS: '10000' });
    h.setDue(1);
    h.scheduler.start();
    await flush();
    expect(h.limits).toEqual([2]);
    h.finishOne();
    await flush();
    expect(h.limits).toEqual([2]);
    await h.scheduler.stop();
  });

  it('ticks every SCHEDULER_TICK_MS when nothing is due, and reports its state', async () => {
    const h = harness();
    h.scheduler.start();
    await flush();
    await jest.advanceTimersByTimeAsync(500);
    expect(h.limits.length).toBeGreaterThanOrEqual(10);
    expect(h.limits.length).toBeLessThanOrEqual(12);
    expect(h.scheduler.state()).toMatchObject({ running: true, worker_id: 'w1', in_flight: 0, concurrency: 3, last_tick_at: expect.any(String) });
    expect(h.scheduler.isHealthy()).toBe(true);
    await h.scheduler.stop();
    expect(h.scheduler.isHealthy()).toBe(false);
  });

  it('stops cleanly: no claim after stop, waits for checks in flight, then closes the writer, then releases leases', async () => {
    const h = harness();
    h.setDue(2);
    h.scheduler.start();
    await flush();
    expect(h.inFlight).toBe(2);
    const claims = h.limits.length;
    let stopped = false;
    const stopping = h.scheduler.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(100);
    expect({ stopped, calls: h.calls }).toEqual({ stopped: false, calls: [] });
    h.finishOne();
    h.finishOne();
    await stopping;
    expect(h.written).toEqual(['e0', 'e1']);
    expect(h.calls).toEqual(['close', 'release']);
    await jest.advanceTimersByTimeAsync(500);
    expect(h.limits.length).toBe(claims);
    expect(h.scheduler.state().running).toBe(false);
  });

  it('does not wait past its check deadlines for a check that never ends; its lease is released', async () => {
    const h = harness();
    h.setDue(1);
    h.scheduler.start();
    await flush();
    const stopping = h.scheduler.stop();
    await jest.advanceTimersByTimeAsync(5000);
    await stopping;
    expect(h.calls).toEqual(['close', 'release']);
    expect(h.written).toEqual([]);
  });
});
