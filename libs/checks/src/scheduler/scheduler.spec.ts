import { Logger } from '@nestjs/common';
import { loadConfig } from '@vigil/config';
import type { EndpointScheduleRepository, OwnedEndpoint, PoolStats } from '@vigil/endpoints';
import type { CheckOutcome, CheckRequest } from '../check-types';
import type { HttpChecker } from '../checker';
import type { WorkerIdentity } from '../worker-identity';
import type { CheckResultWriter, WriteSettlement } from './check-result-writer';
import { Scheduler } from './scheduler';

const T0 = Date.parse('2026-12-01T00:00:00.000Z');

function owned(id: string, slotMs: number, intervalS = 10, updatedAtMs = 1): OwnedEndpoint {
  return {
    endpoint: { id, name: id, url: `http://t/${id}`, timeoutMs: 1000, retry: { count: 0, initial_backoff_ms: 0, factor: 1 } } as OwnedEndpoint['endpoint'],
    intervalS,
    slot: new Date(slotMs),
    updatedAtMs,
  };
}

/**
 * Fakes for the database (the rows this worker owns and the free pool), the checker and the writer: the
 * loop's rules need no I/O. The database's clock is the fake clock (offset 0).
 */
function harness(env: Record<string, string> = {}, dbClockAheadMs = 0) {
  const config = loadConfig({
    NODE_ENV: 'test',
    CHECK_CONCURRENCY: '3',
    SCHEDULER_TICK_MS: '50',
    SCHEDULER_LEASE_S: '3',
    SHUTDOWN_TIMEOUT_MS: '10000',
    ...env,
  });
  const free: OwnedEndpoint[] = [];
  /** Rows owned by this worker, as the database has them. */
  const rows = new Map<string, OwnedEndpoint>();
  const stats: PoolStats = { active: 0, live: 1, deadOwners: [] };
  const calls: string[] = [];
  const started: Array<{ id: string; at: number }> = [];
  const pending: Array<() => void> = [];
  let inFlight = 0;
  let peak = 0;
  const schedule = {
    heartbeat: jest.fn(async () => ({ continued: true, dbNowMs: Date.now() + dbClockAheadMs })),
    poolStats: jest.fn(async () => ({ ...stats, active: stats.active || rows.size + free.length })),
    liveWorkers: jest.fn(async () => stats.live),
    anyFree: jest.fn(async () => free.length > 0),
    adopt: jest.fn(async (_owner: string, limit: number) => {
      const taken = free.splice(0, limit);
      for (const o of taken) rows.set(o.endpoint.id, o);
      return taken;
    }),
    ownedSlots: jest.fn(async () => [...rows.values()].map((o) => ({ id: o.endpoint.id, slotMs: o.slot.getTime(), updatedAtMs: o.updatedAtMs }))),
    loadOwned: jest.fn(async (_owner: string, ids?: string[]) => (ids ?? [...rows.keys()]).flatMap((id) => (rows.has(id) ? [rows.get(id)!] : []))),
    release: jest.fn(async (_owner: string, ids?: string[]) => {
      calls.push(ids ? `release ${ids.join(',')}` : 'release all');
      const gone = ids ?? [...rows.keys()];
      for (const id of gone) rows.delete(id);
      return gone.length;
    }),
    removeWorker: jest.fn(async () => void calls.push('removeWorker')),
  } as unknown as EndpointScheduleRepository;
  const checker = {
    check: jest.fn(
      (req: CheckRequest) =>
        new Promise<CheckOutcome>((resolve) => {
          started.push({ id: req.url.slice('http://t/'.length), at: Date.now() });
          inFlight++;
          peak = Math.max(peak, inFlight);
          pending.push(() => {
            inFlight--;
            resolve({ success: true, checked_at: new Date() } as CheckOutcome);
          });
        }),
    ),
  } as unknown as HttpChecker;
  const written: Array<{ endpointId: string; slot: Date; outcome: CheckOutcome }> = [];
  const writerState = { backedUp: false, onWritten: () => undefined as void, onSettled: (_s: WriteSettlement[]) => undefined as void };
  const writer = {
    add: jest.fn((r: { endpointId: string; slot: Date; outcome: CheckOutcome }) => written.push(r)),
    close: jest.fn(async () => void calls.push('close')),
    pending: 0,
    get backedUp() {
      return writerState.backedUp;
    },
    onWritten: (listener: () => void) => (writerState.onWritten = listener),
    onSettled: (listener: (s: WriteSettlement[]) => void) => (writerState.onSettled = listener),
  } as unknown as CheckResultWriter;
  const scheduler = new Scheduler(config, { id: 'w1' } as WorkerIdentity, schedule, checker, writer);
  /** Settles as the recorder would, moving the fake rows along (a stored or moved slot, a lost endpoint). */
  const settle = (settled: WriteSettlement[]) => {
    for (const st of settled) {
      const row = rows.get(st.endpointId);
      if (st.kind === 'lost') rows.delete(st.endpointId);
      else if (row && (st.kind === 'stored' || st.kind === 'moved')) rows.set(st.endpointId, { ...row, slot: st.nextSlot });
    }
    writerState.onSettled(settled);
  };
  return {
    scheduler,
    schedule,
    free,
    rows,
    stats,
    calls,
    started,
    written,
    /** The writer settles what was written so far (or the given ones) as `stored`, each due one interval later. */
    storeAll: (intervalMs = 10_000) => {
      const batch = written.splice(0);
      settle(batch.map((w) => ({ endpointId: w.endpointId, slot: w.slot, kind: 'stored', nextSlot: new Date(w.slot.getTime() + intervalMs) })));
    },
    settle,
    setWriterBackedUp: (v: boolean) => {
      writerState.backedUp = v;
      if (!v) writerState.onWritten();
    },
    finishOne: () => pending.shift()?.(),
    finishAll: () => {
      while (pending.length) pending.shift()!();
    },
    get inFlight() {
      return inFlight;
    },
    get peak() {
      return peak;
    },
  };
}

/** Lets timers and promise chains due by now run (fake timers). */
const flush = async (ms = 1) => {
  for (let i = 0; i < 5; i++) await jest.advanceTimersByTimeAsync(ms);
};

// The warnings these tests provoke on purpose would only be noise.
beforeAll(() => Logger.overrideLogger(false));

describe('Scheduler', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(T0);
  });
  afterEach(() => jest.useRealTimers());

  it('adopts free endpoints and starts each at its slot, not before, never more than CHECK_CONCURRENCY at once', async () => {
    const h = harness();
    h.free.push(owned('a', T0 - 1000), owned('b', T0 - 500), owned('c', T0 - 100), owned('d', T0), owned('later', T0 + 2000));
    h.scheduler.start();
    await flush();
    // Four are due, three slots: the soonest three run, the fourth waits for a slot.
    expect(h.started.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(h.scheduler.state()).toMatchObject({ in_flight: 3, owned: 5, concurrency: 3 });
    h.finishOne();
    await flush();
    expect(h.started.map((s) => s.id)).toEqual(['a', 'b', 'c', 'd']);
    h.finishAll();
    await jest.advanceTimersByTimeAsync(1990 - 10);
    expect(h.started.map((s) => s.id)).not.toContain('later');
    await jest.advanceTimersByTimeAsync(30);
    expect(h.started.find((s) => s.id === 'later')).toEqual({ id: 'later', at: T0 + 2000 });
    expect(h.peak).toBe(3);
    h.finishAll();
    await h.scheduler.stop();
  });

  it("keeps slots and checked_at on the database's clock when this process's clock is behind it", async () => {
    // The database is 5 s ahead: a slot due at database time T0 + 5 s is due now, local time T0.
    const h = harness({}, 5000);
    h.free.push(owned('a', T0 + 5000), owned('later', T0 + 6000));
    h.scheduler.start();
    await flush();
    expect(h.started.map((s) => s.id)).toEqual(['a']);
    h.finishAll();
    await flush();
    expect(h.written[0].outcome.checked_at.getTime()).toBeGreaterThanOrEqual(T0 + 5000);
    expect(h.written[0].outcome.checked_at.getTime()).toBeLessThan(T0 + 5000 + 100);
    await jest.advanceTimersByTimeAsync(1000);
    expect(h.started.find((s) => s.id === 'later')!.at).toBe(T0 + 1000);
    h.finishAll();
    await h.scheduler.stop();
  });

  it("runs an endpoint's next slot only once the previous one is settled, at the slot the settlement gives", async () => {
    const h = harness();
    h.free.push(owned('a', T0));
    h.scheduler.start();
    await flush();
    h.finishOne();
    await flush();
    expect(h.written.map((w) => [w.endpointId, w.slot.getTime()])).toEqual([['a', T0]]);
    // Not settled yet: even once the next slot's time has come, the endpoint does not run again.
    await jest.advanceTimersByTimeAsync(15_000);
    expect(h.started).toHaveLength(1);
    h.storeAll();
    await flush();
    // Stored, due at T0 + 10 s (already passed): it runs at once.
    expect(h.started.map((s) => s.id)).toEqual(['a', 'a']);
    h.finishOne();
    await flush();
    // The next settlement puts it 10 s after its slot.
    h.storeAll();
    await jest.advanceTimersByTimeAsync(T0 + 20_000 - Date.now() - 5);
    expect(h.started).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(10);
    expect(h.started).toHaveLength(3);
    expect(h.started[2].at).toBe(T0 + 20_000);
    h.finishAll();
    await h.scheduler.stop();
  });

  it('forgets an endpoint whose result was fenced out as lost, follows a moved schedule, and runs an unstored slot again', async () => {
    const h = harness();
    h.free.push(owned('lost', T0), owned('moved', T0), owned('unstored', T0));
    h.scheduler.start();
    await flush();
    h.finishAll();
    await flush();
    const slot = new Date(T0);
    h.settle([
      { endpointId: 'lost', slot, kind: 'lost' },
      { endpointId: 'moved', slot, kind: 'moved', nextSlot: new Date(T0 + 60_000) },
      { endpointId: 'unstored', slot, kind: 'unstored' },
    ]);
    await flush();
    // The unstored slot is still due: it runs again at once.
    expect(h.started.map((s) => s.id).sort()).toEqual(['lost', 'moved', 'unstored', 'unstored']);
    expect(h.scheduler.state().owned).toBe(2);
    h.finishAll();
    await flush();
    h.written.splice(0);
    await jest.advanceTimersByTimeAsync(T0 + 60_000 - Date.now());
    await flush();
    expect(h.started.filter((s) => s.id === 'moved').map((s) => s.at)).toEqual([T0, T0 + 60_000]);
    expect(h.started.filter((s) => s.id === 'lost')).toHaveLength(1);
    h.finishAll();
    await h.scheduler.stop();
  });

  it('starts nothing while the writer is backed up, and goes on as soon as a write ends', async () => {
    const h = harness({ SCHEDULER_TICK_MS: '10000' });
    h.free.push(...['a', 'b', 'c', 'd', 'e'].map((id) => owned(id, T0)));
    h.scheduler.start();
    await flush();
    expect(h.started).toHaveLength(3);
    h.setWriterBackedUp(true);
    h.finishOne();
    h.finishOne();
    await flush();
    expect(h.started).toHaveLength(3);
    h.setWriterBackedUp(false);
    await flush();
    expect(h.started).toHaveLength(5);
    h.finishAll();
    await h.scheduler.stop();
  });

  it('gives back what is above its fair share when another worker joins, those due last first', async () => {
    const h = harness({ SCHEDULER_LEASE_S: '3600' });
    h.free.push(...Array.from({ length: 10 }, (_, i) => owned(`e${i}`, T0 + 60_000 + i * 1000)));
    h.scheduler.start();
    await flush();
    expect(h.scheduler.state().owned).toBe(10);
    // A second worker: share 5 (cap 6); seen at the next tick, long before the next heartbeat.
    h.stats.live = 2;
    await jest.advanceTimersByTimeAsync(60);
    expect(h.calls).toEqual(['release e9,e8,e7,e6,e5']);
    expect(h.scheduler.state().owned).toBe(5);
    await h.scheduler.stop();
  });

  it('reconciles every heartbeat: forgets endpoints no longer its own, reloads changed ones, loads ones it did not know', async () => {
    const h = harness({ SCHEDULER_LEASE_S: '3' });
    h.free.push(owned('kept', T0 + 60_000), owned('released', T0 + 60_000), owned('changed', T0 + 60_000));
    h.scheduler.start();
    await flush();
    expect(h.scheduler.state().owned).toBe(3);
    h.rows.delete('released');
    h.rows.set('changed', owned('changed', T0 + 5000, 10, 2));
    h.rows.set('unknown', owned('unknown', T0 + 5000));
    // The heartbeat (every lease ÷ 3 = 1 s) reconciles.
    await jest.advanceTimersByTimeAsync(1100);
    expect(h.scheduler.state().owned).toBe(3);
    await jest.advanceTimersByTimeAsync(T0 + 5000 - Date.now());
    await flush();
    expect(h.started.map((s) => s.id).sort()).toEqual(['changed', 'unknown']);
    h.finishAll();
    await h.scheduler.stop();
  });

  it('ticks every SCHEDULER_TICK_MS, heartbeats every SCHEDULER_LEASE_S ÷ 3, and reports its state', async () => {
    const h = harness();
    h.scheduler.start();
    await flush();
    await jest.advanceTimersByTimeAsync(2000);
    expect((h.schedule.heartbeat as jest.Mock).mock.calls.length).toBe(3);
    expect((h.schedule.liveWorkers as jest.Mock).mock.calls.length).toBeGreaterThanOrEqual(35);
    expect(h.scheduler.state()).toMatchObject({ running: true, worker_id: 'w1', in_flight: 0, owned: 0, concurrency: 3, last_tick_at: expect.any(String) });
    expect(h.scheduler.isHealthy()).toBe(true);
    await h.scheduler.stop();
    expect(h.scheduler.isHealthy()).toBe(false);
  });

  it('stops cleanly: starts nothing more, waits for checks in flight, closes the writer, then gives back its endpoints and ends its heartbeat', async () => {
    const h = harness();
    h.free.push(owned('a', T0), owned('b', T0), owned('c', T0 + 300));
    h.scheduler.start();
    await flush();
    expect(h.inFlight).toBe(2);
    let stopped = false;
    const stopping = h.scheduler.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(500);
    // c fell due meanwhile, but nothing starts once stopping.
    expect({ stopped, calls: h.calls, started: h.started.length }).toEqual({ stopped: false, calls: [], started: 2 });
    h.finishAll();
    await stopping;
    expect(h.written.map((w) => w.endpointId)).toEqual(['a', 'b']);
    expect(h.calls).toEqual(['close', 'release all', 'removeWorker']);
    expect(h.scheduler.state()).toMatchObject({ running: false, owned: 0 });
  });

  it('does not wait past its check deadlines for a check that never ends', async () => {
    const h = harness();
    h.free.push(owned('a', T0));
    h.scheduler.start();
    await flush();
    const stopping = h.scheduler.stop();
    await jest.advanceTimersByTimeAsync(5000);
    await stopping;
    expect(h.calls).toEqual(['close', 'release all', 'removeWorker']);
    expect(h.written).toEqual([]);
  });
});
