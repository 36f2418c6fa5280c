import { Logger } from '@nestjs/common';
import { loadConfig } from '@vigil/config';
import { EndpointEntity, EndpointScheduleRepository, type OwnedEndpoint } from '@vigil/endpoints';
import { type EndpointStatusChangedEvent, LocalEventBus, VigilEvents } from '@vigil/events';
import { createMonitoringDatabase, insertEndpoints, type MonitoringDatabase, sleep } from '../../../../test/checks/support/monitoring-db';
import { CheckRecorder, type ScheduledCheckResult } from '../check-recorder';
import { CheckResultEntity } from '../check-result.entity';
import { CheckResultsRepository } from '../check-results.repository';
import { toCheckResultDto } from '../checks.service';
import type { CheckOutcome } from '../check-types';
import { CheckRecordHooks } from '../record-hooks';

const URL = 'http://127.0.0.1:9/unused';
const PAST = () => new Date(Date.now() - 5_000);

function outcome(success: boolean, attempts = 1): CheckOutcome {
  return {
    success,
    status_code: success ? 200 : 500,
    response_time_ms: 12,
    reason: success ? null : 'status_mismatch',
    message: success ? null : 'expected 200, got 500',
    attempts,
    timings: { dns_ms: 0, connect_ms: 1, tls_ms: 0, first_byte_ms: 10, total_ms: 12 },
    assertions: [],
    checked_at: new Date(),
  };
}

// The warnings these tests provoke on purpose would only be noise.
beforeAll(() => Logger.overrideLogger(false));

describe('owning endpoints and completing their slots (EndpointScheduleRepository + CheckRecorder, real PostgreSQL)', () => {
  let m: MonitoringDatabase;
  let schedule: EndpointScheduleRepository;
  let recorder: CheckRecorder;
  let results: CheckResultsRepository;
  const events = new LocalEventBus();

  beforeAll(async () => {
    m = await createMonitoringDatabase(14);
    schedule = new EndpointScheduleRepository(m.dataSource.getRepository(EndpointEntity));
    results = new CheckResultsRepository();
    const config = loadConfig({ NODE_ENV: 'test', STATUS_DOWN_THRESHOLD: '2' });
    recorder = new CheckRecorder(m.dataSource, schedule, results, events, config, new CheckRecordHooks());
  });
  afterAll(() => m?.close());
  beforeEach(() => m.dataSource.query('TRUNCATE endpoints, check_results, uptime_minute, uptime_hour, uptime_day, scheduler_workers CASCADE'));

  const row = async (id: string) => (await m.dataSource.getRepository(EndpointEntity).findOneByOrFail({ id }))!;
  const toResult = (c: OwnedEndpoint, o = outcome(true)): ScheduledCheckResult => ({
    endpointId: c.endpoint.id,
    slot: c.slot,
    leaseUntil: new Date(Date.now() + 60_000),
    outcome: o,
  });
  const count = async (sql: string, params: unknown[] = []) => (await m.dataSource.query(sql, params))[0].n as number;

  it('adopts only active endpoints that are free (unowned, or owned by a dead worker), soonest slot first, up to the limit', async () => {
    const now = Date.now();
    const [late, later, future, paused, ownedByLive, ownedByDead] = await insertEndpoints(m.dataSource, [
      { url: URL, intervalS: 60, nextCheckAt: new Date(now - 30_000) },
      { url: URL, intervalS: 60, nextCheckAt: new Date(now - 10_000) },
      { url: URL, intervalS: 60, nextCheckAt: new Date(now + 60_000) },
      { url: URL, intervalS: 60, nextCheckAt: new Date(now - 40_000), isActive: false },
      { url: URL, intervalS: 60, nextCheckAt: new Date(now - 50_000) },
      { url: URL, intervalS: 60, nextCheckAt: new Date(now - 20_000) },
    ]);
    await schedule.heartbeat('live', 60);
    await m.dataSource.query(`UPDATE endpoints SET lease_owner = 'live' WHERE id = $1`, [ownedByLive.id]);
    await m.dataSource.query(`UPDATE endpoints SET lease_owner = 'gone' WHERE id = $1`, [ownedByDead.id]);

    const first = await schedule.adopt('w1', 2, ['gone']);
    expect(first.map((c) => c.endpoint.id)).toEqual([late.id, ownedByDead.id]);
    expect(first[0]).toEqual({
      // Exactly what a check needs, nothing more (tags and state are not read by a worker).
      endpoint: {
        id: late.id,
        name: late.name,
        url: URL,
        method: 'GET',
        timeoutMs: 2000,
        expectedStatus: 200,
        headers: {},
        body: null,
        retry: { count: 0, initial_backoff_ms: 100, factor: 2 },
        assertions: [],
      },
      intervalS: 60,
      slot: late.nextCheckAt,
      updatedAtMs: expect.any(Number),
    });
    expect((await row(late.id)).leaseOwner).toBe('w1');

    // Without the dead owner named, its rows are not free; a live owner's never are.
    const rest = await schedule.adopt('w2', 10);
    expect(rest.map((c) => c.endpoint.id)).toEqual([later.id, future.id]);
    expect((await row(paused.id)).leaseOwner).toBeNull();
    expect((await row(ownedByLive.id)).leaseOwner).toBe('live');
    expect(await schedule.adopt('w3', 10, ['gone'])).toEqual([]);
  });

  it('takes only its part of the free pool while other workers are live: free ÷ live workers, rounded up', async () => {
    await insertEndpoints(
      m.dataSource,
      Array.from({ length: 31 }, () => ({ url: URL, intervalS: 60, nextCheckAt: PAST() })),
    );
    for (const w of ['a', 'b', 'c']) await schedule.heartbeat(w, 60);
    expect(await schedule.adopt('a', 100)).toHaveLength(11);
    expect(await schedule.adopt('b', 100)).toHaveLength(7);
    expect(await schedule.adopt('c', 5)).toHaveLength(5);
    expect(await schedule.anyFree()).toBe(true);
    expect(await schedule.adopt('a', 100)).toHaveLength(3);
    expect(await schedule.adopt('a', 100)).toHaveLength(2);
    // 2 left, then 1: one each time.
    for (let i = 0; i < 3; i++) expect(await schedule.adopt('a', 100)).toHaveLength(1);
    expect(await schedule.anyFree()).toBe(false);
    expect(await schedule.adopt('b', 100)).toEqual([]);
  });

  it('never gives the same endpoint to two concurrent adopters: 14 workers share 400 endpoints exactly', async () => {
    const inserted = await insertEndpoints(
      m.dataSource,
      Array.from({ length: 400 }, () => ({ url: URL, intervalS: 60, nextCheckAt: PAST() })),
    );
    for (let w = 0; w < 14; w++) await schedule.heartbeat(`w${w}`, 60);
    const adoptedBy = await Promise.all(
      Array.from({ length: 14 }, async (_, w) => {
        const mine: string[] = [];
        for (;;) {
          const batch = await schedule.adopt(`w${w}`, 7);
          if (batch.length === 0 && !(await schedule.anyFree())) return mine;
          mine.push(...batch.map((c) => c.endpoint.id));
        }
      }),
    );
    const all = adoptedBy.flat();
    expect(all).toHaveLength(400);
    expect(new Set(all)).toEqual(new Set(inserted.map((e) => e.id)));
    expect(adoptedBy.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
    const owners: Array<{ lease_owner: string; n: number }> = await m.dataSource.query(
      `SELECT lease_owner, count(*)::int AS n FROM endpoints GROUP BY lease_owner`,
    );
    for (const o of owners) expect(o.n).toBe(adoptedBy[Number(o.lease_owner.slice(1))].length);
    // What each owns is what the reconcile reads back.
    const slots = await schedule.ownedSlots('w0');
    expect(new Set(slots.map((s) => s.id))).toEqual(new Set(adoptedBy[0]));
  });

  it('keeps heartbeats: first registration, renewal, a passed heartbeat; counts live workers and names dead owners', async () => {
    const [a, b] = await insertEndpoints(m.dataSource, [
      { url: URL, intervalS: 60, nextCheckAt: PAST() },
      { url: URL, intervalS: 60, nextCheckAt: PAST() },
      { url: URL, intervalS: 60, nextCheckAt: PAST(), isActive: false },
    ]);
    expect((await schedule.heartbeat('A', 1)).continued).toBe(false);
    const renewed = await schedule.heartbeat('A', 1);
    expect(renewed.continued).toBe(true);
    expect(Math.abs(renewed.dbNowMs - Date.now())).toBeLessThan(5000);
    await schedule.heartbeat('B', 60);
    await m.dataSource.query(`UPDATE endpoints SET lease_owner = 'A' WHERE id = $1`, [a.id]);
    await m.dataSource.query(`UPDATE endpoints SET lease_owner = 'never-registered' WHERE id = $1`, [b.id]);
    expect(await schedule.poolStats()).toEqual({ active: 2, live: 2, deadOwners: ['never-registered'] });
    expect(await schedule.liveWorkers()).toBe(2);

    await sleep(1100);
    expect(await schedule.liveWorkers()).toBe(1);
    const stats = await schedule.poolStats();
    expect({ ...stats, deadOwners: [...stats.deadOwners].sort() }).toEqual({ active: 2, live: 1, deadOwners: ['A', 'never-registered'] });
    // The stalled worker finds out when it comes back.
    expect((await schedule.heartbeat('A', 60)).continued).toBe(false);
  });

  it("fences a worker whose endpoint was adopted after its heartbeat passed: its late result is dropped and the new owner's is stored once", async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 30, nextCheckAt: PAST() }]);
    await schedule.heartbeat('A', 1);
    const [byA] = await schedule.adopt('A', 1);
    await sleep(1100);
    await schedule.heartbeat('B', 60);
    const { deadOwners } = await schedule.poolStats();
    const [byB] = await schedule.adopt('B', 1, deadOwners);
    expect(byB.slot).toEqual(byA.slot);

    // A finishes late: nothing stored, and it learns the endpoint is no longer its.
    expect(await recorder.settleScheduled('A', [toResult(byA, outcome(false))])).toEqual({
      stored: [],
      settlements: [{ endpointId: e.id, slot: byA.slot, kind: 'lost' }],
    });
    let current = await row(e.id);
    expect({ owner: current.leaseOwner, next: current.nextCheckAt, status: current.status }).toEqual({ owner: 'B', next: byA.slot, status: 'pending' });

    const changes: EndpointStatusChangedEvent[] = [];
    const off = events.subscribe<EndpointStatusChangedEvent>(VigilEvents.EndpointStatusChanged, (c) => changes.push(c));
    const { stored, settlements } = await recorder.settleScheduled('B', [toResult(byB)]);
    off();
    current = await row(e.id);
    expect(stored).toEqual([expect.objectContaining({ endpointId: e.id, scheduledFor: byB.slot, success: true, manual: false, worker: 'B' })]);
    expect(current).toMatchObject({ leaseOwner: 'B', status: 'up', lastCheckId: stored[0].id, lastSuccess: true, consecutiveSuccesses: 1 });
    // Anchored: the next slot is the slot that ran plus the interval, and the owner is told so.
    expect(current.nextCheckAt.getTime()).toBe(byB.slot.getTime() + 30_000);
    expect(settlements).toEqual([{ endpointId: e.id, slot: byB.slot, kind: 'stored', nextSlot: current.nextCheckAt }]);
    expect(changes).toEqual([expect.objectContaining({ endpoint_id: e.id, old_status: 'pending', new_status: 'up', check_id: stored[0].id })]);

    // Replaying either write changes nothing: the slot is stored once.
    expect(await recorder.recordScheduled('B', [toResult(byB)])).toEqual([]);
    expect(await recorder.recordScheduled('A', [toResult(byA)])).toEqual([]);
    expect(await count(`SELECT count(*)::int AS n FROM check_results WHERE endpoint_id = $1`, [e.id])).toBe(1);
  });

  it('drops a result whose schedule changed while it ran, telling the owner the slot the row now has; a paused or deleted endpoint is lost', async () => {
    const [moved, paused, deleted] = await insertEndpoints(m.dataSource, [
      { url: URL, intervalS: 30, nextCheckAt: PAST() },
      { url: URL, intervalS: 30, nextCheckAt: PAST() },
      { url: URL, intervalS: 30, nextCheckAt: PAST() },
    ]);
    await schedule.heartbeat('A', 60);
    const owned = await schedule.adopt('A', 10);
    const of = (id: string) => owned.find((o) => o.endpoint.id === id)!;
    const newSlot = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
    await m.dataSource.query(`UPDATE endpoints SET next_check_at = $2 WHERE id = $1`, [moved.id, newSlot]);
    await m.dataSource.query(`UPDATE endpoints SET is_active = false WHERE id = $1`, [paused.id]);
    await m.dataSource.query(`DELETE FROM endpoints WHERE id = $1`, [deleted.id]);
    const { stored, settlements } = await recorder.settleScheduled(
      'A',
      [of(moved.id), of(paused.id), of(deleted.id)].map((o) => toResult(o)),
    );
    expect(stored).toEqual([]);
    expect(settlements).toEqual([
      { endpointId: moved.id, slot: of(moved.id).slot, kind: 'moved', nextSlot: newSlot },
      { endpointId: paused.id, slot: of(paused.id).slot, kind: 'lost' },
      { endpointId: deleted.id, slot: of(deleted.id).slot, kind: 'lost' },
    ]);
    expect(await count(`SELECT count(*)::int AS n FROM check_results`)).toBe(0);
    // The reconcile and a reload see the same: only the moved endpoint is still owned and active.
    expect(await schedule.ownedSlots('A')).toEqual([{ id: moved.id, slotMs: newSlot.getTime(), updatedAtMs: of(moved.id).updatedAtMs }]);
    expect((await schedule.loadOwned('A')).map((o) => [o.endpoint.id, o.slot])).toEqual([[moved.id, newSlot]]);
    expect(await schedule.loadOwned('A', [paused.id, deleted.id])).toEqual([]);
  });

  it('drops a stale slot of an endpoint whose current slot is in the same batch, and a duplicate of a slot', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 30, nextCheckAt: PAST() }]);
    const [owned] = await schedule.adopt('A', 1);
    const stale = { ...toResult(owned), slot: new Date(owned.slot.getTime() - 30_000) };
    const stored = await recorder.recordScheduled('A', [stale, toResult(owned), toResult(owned, outcome(false))]);
    expect(stored.map((r) => [r.scheduledFor, r.success])).toEqual([[owned.slot, true]]);
    expect(await count(`SELECT count(*)::int AS n FROM check_results WHERE endpoint_id = $1`, [e.id])).toBe(1);
  });

  it('stores a slot at most once even when written directly twice (unique slot index, ON CONFLICT DO NOTHING)', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 30, nextCheckAt: PAST() }]);
    const slot = new Date('2026-11-24T10:00:00.000Z');
    const scheduled = { manual: false, worker: 'w' };
    const row = { endpointId: e.id, scheduledFor: slot, outcome: outcome(true) };
    const [first] = await m.dataSource.transaction((tx) => results.insertMany(tx, scheduled, [row]));
    expect(first).toMatchObject({ id: expect.stringMatching(/^\d+$/), manual: false, worker: 'w' });
    expect(await m.dataSource.transaction((tx) => results.insertMany(tx, scheduled, [row, { ...row, scheduledFor: null }]))).toEqual([
      expect.objectContaining({ scheduledFor: null }),
    ]);
  });

  it('stores text, JSON and timings exactly as given, whatever characters they hold', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 30, nextCheckAt: PAST() }]);
    const message = 'got "NULL", {braces}, a\\backslash, commas, ünïcödé and\nnewlines';
    const assertions = [{ index: 0, type: 'body' as const, passed: false, actual: 'say "hi" \\ {x}', message: 'body, "quoted"' }];
    const timings = { dns_ms: 1.25, connect_ms: 0.07, tls_ms: 12.5, first_byte_ms: 59999.99, total_ms: 60000, reused_connection: false };
    const row = { endpointId: e.id, scheduledFor: null, outcome: { ...outcome(false), message, assertions, timings } };
    const [stored] = await m.dataSource.transaction((tx) => results.insertMany(tx, { manual: true, worker: 'w "1", {x}' }, [row]));
    const [read] = await m.dataSource.query(
      `SELECT message, assertions, worker, manual, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms, reused_connection FROM check_results WHERE id = $1`,
      [stored.id],
    );
    expect(read).toEqual({ message, assertions, worker: 'w "1", {x}', manual: true, ...timings });
    expect(stored).toMatchObject({ message, assertions, worker: 'w "1", {x}', manual: true });
  });

  it('reads timings back as the API shows them: reused_connection only when a connection served the request', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 30, nextCheckAt: PAST() }]);
    const served = { ...outcome(true), timings: { dns_ms: 0, connect_ms: 0, tls_ms: 0, first_byte_ms: 3.5, total_ms: 4.25, reused_connection: true } };
    const refused = { ...outcome(false), timings: { dns_ms: 0.5, connect_ms: 0, tls_ms: 0, first_byte_ms: 0, total_ms: 0.5 } };
    await m.dataSource.transaction((tx) =>
      results.insertMany(tx, { manual: true, worker: 'w' }, [
        { endpointId: e.id, scheduledFor: null, outcome: served },
        { endpointId: e.id, scheduledFor: null, outcome: refused },
      ]),
    );
    const read = await m.dataSource.getRepository(CheckResultEntity).find({ where: { endpointId: e.id }, order: { id: 'ASC' } });
    expect(read.map((r) => toCheckResultDto(r).timings)).toEqual([served.timings, refused.timings]);
    expect(Object.keys(toCheckResultDto(read[1]).timings)).not.toContain('reused_connection');
  });

  it('advances the schedule only with a stored result: a failed write leaves the slot due and the endpoint owned', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 30, nextCheckAt: PAST() }]);
    const [owned] = await schedule.adopt('A', 1);
    const broken = { ...toResult(owned), outcome: { ...outcome(true), timings: undefined as never, attempts: 70000 } };
    await expect(recorder.recordScheduled('A', [broken])).rejects.toThrow();
    const current = await row(e.id);
    expect({ next: current.nextCheckAt, owner: current.leaseOwner }).toEqual({ next: owned.slot, owner: 'A' });
    expect(await count(`SELECT count(*)::int AS n FROM check_results`)).toBe(0);
  });

  it('writes a batch of many endpoints in one go, each with its own next slot and state, and keeps them owned', async () => {
    const inserted = await insertEndpoints(
      m.dataSource,
      Array.from({ length: 50 }, (_, i) => ({ url: URL, intervalS: 10 + i, nextCheckAt: PAST() })),
    );
    const owned = await schedule.adopt('A', 100);
    expect(owned).toHaveLength(50);
    const stored = await recorder.recordScheduled(
      'A',
      owned.map((c, i) => toResult(c, outcome(i % 2 === 0))),
    );
    expect(stored).toHaveLength(50);
    const rows = await m.dataSource.getRepository(EndpointEntity).find();
    const intervalOf = new Map(inserted.map((e) => [e.id, e.intervalS]));
    const slotOf = new Map(owned.map((c) => [c.endpoint.id, c.slot]));
    for (const r of rows) {
      expect(r.nextCheckAt.getTime()).toBe(slotOf.get(r.id)!.getTime() + intervalOf.get(r.id)! * 1000);
      expect(r.leaseOwner).toBe('A');
      expect(r.status).toBe(r.lastSuccess ? 'up' : 'degraded');
    }
  });

  it('gives back what a worker owns (some, or all when it stops) so another adopts them at once', async () => {
    const inserted = await insertEndpoints(
      m.dataSource,
      Array.from({ length: 3 }, () => ({ url: URL, intervalS: 60, nextCheckAt: PAST() })),
    );
    await schedule.heartbeat('A', 300);
    expect(await schedule.adopt('A', 10)).toHaveLength(3);
    await schedule.heartbeat('B', 300);
    expect(await schedule.adopt('B', 10)).toHaveLength(0);
    expect(await schedule.release('A', [inserted[0].id])).toBe(1);
    expect((await schedule.adopt('B', 10)).map((o) => o.endpoint.id)).toEqual([inserted[0].id]);
    expect(await schedule.release('A')).toBe(2);
    await schedule.removeWorker('A');
    expect(await schedule.liveWorkers()).toBe(1);
    expect(await schedule.adopt('B', 10)).toHaveLength(2);
  });

  it('records a manual check without a slot, leaving the schedule and owner alone, and derives the status', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 60, nextCheckAt: PAST() }]);
    await schedule.adopt('A', 1);
    const before = await row(e.id);
    const first = await recorder.recordManual(e.id, outcome(false), 'api');
    const second = await recorder.recordManual(e.id, outcome(false), 'api');
    const after = await row(e.id);
    expect(first).toMatchObject({ manual: true, scheduledFor: null, worker: 'api' });
    // Threshold 2: one failure is degraded, two in a row are down.
    expect({ status: after.status, failures: after.consecutiveFailures, last: after.lastCheckId }).toEqual({ status: 'down', failures: 2, last: second.id });
    expect({ next: after.nextCheckAt, owner: after.leaseOwner }).toEqual({ next: before.nextCheckAt, owner: 'A' });
    await expect(recorder.recordManual('00000000-0000-4000-8000-000000000000', outcome(true), 'api')).rejects.toMatchObject({ code: 'RES_NOT_FOUND' });
  });
});
