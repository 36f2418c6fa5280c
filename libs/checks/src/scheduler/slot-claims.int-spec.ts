import { Logger } from '@nestjs/common';
import { loadConfig } from '@vigil/config';
import { type ClaimedSlot, EndpointEntity, EndpointScheduleRepository } from '@vigil/endpoints';
import { type EndpointStatusChangedEvent, LocalEventBus, VigilEvents } from '@vigil/events';
import { createMonitoringDatabase, insertEndpoints, type MonitoringDatabase, sleep } from '../../../../test/checks/support/monitoring-db';
import { CheckRecorder, type ScheduledCheckResult } from '../check-recorder';
import { CheckResultsRepository } from '../check-results.repository';
import type { CheckOutcome } from '../check-types';
import { worstCaseCheckMs } from '../checker';
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

describe('claiming and completing slots (EndpointScheduleRepository + CheckRecorder, real PostgreSQL)', () => {
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
  beforeEach(() => m.dataSource.query('TRUNCATE endpoints, check_results, uptime_minute, uptime_hour, uptime_day CASCADE'));

  const row = async (id: string) => (await m.dataSource.getRepository(EndpointEntity).findOneByOrFail({ id }))!;
  const toResult = (c: ClaimedSlot, o = outcome(true)): ScheduledCheckResult => ({
    endpointId: c.endpoint.id,
    endpointName: c.endpoint.name,
    slot: c.slot,
    leaseUntil: c.leaseUntil,
    outcome: o,
  });

  it('claims only active endpoints whose slot is due and not leased, most overdue first, up to the limit', async () => {
    const now = Date.now();
    const [late, later, future, paused, leased, beyondLimit] = await insertEndpoints(m.dataSource, [
      { url: URL, intervalS: 60, nextCheckAt: new Date(now - 30_000) },
      { url: URL, intervalS: 60, nextCheckAt: new Date(now - 10_000) },
      { url: URL, intervalS: 60, nextCheckAt: new Date(now + 60_000) },
      { url: URL, intervalS: 60, nextCheckAt: new Date(now - 40_000), isActive: false },
      { url: URL, intervalS: 60, nextCheckAt: new Date(now - 50_000) },
      { url: URL, intervalS: 60, nextCheckAt: new Date(now - 1_000) },
    ]);
    await m.dataSource.query(`UPDATE endpoints SET lease_owner = 'other', lease_until = now() + interval '1 minute' WHERE id = $1`, [leased.id]);

    const claimed = await schedule.claimDue('w1', 2, 30);
    expect(claimed.map((c) => c.endpoint.id)).toEqual([late.id, later.id]);
    expect(claimed[0].slot).toEqual(late.nextCheckAt);
    // Exactly what a check needs, nothing more (tags, state and timestamps are not read per check).
    expect(claimed[0].endpoint).toEqual({
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
    });
    expect((await row(late.id)).leaseOwner).toBe('w1');

    const rest = await schedule.claimDue('w2', 10, 30);
    expect(rest.map((c) => c.endpoint.id)).toEqual([beyondLimit.id]);
    for (const id of [future.id, paused.id]) expect((await row(id)).leaseOwner).toBeNull();
    expect((await row(leased.id)).leaseOwner).toBe('other');
  });

  it('leases a slot for the worst case of its check (every attempt timing out, every backoff at its bound) plus SCHEDULER_LEASE_S', async () => {
    const retry = { count: 2, initial_backoff_ms: 100, factor: 3 };
    await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 60, timeoutMs: 1000, retry, nextCheckAt: PAST() }]);
    const before = Date.now();
    const [claim] = await schedule.claimDue('w1', 1, 5);
    const expected = worstCaseCheckMs(1000, retry) + 5000;
    expect(worstCaseCheckMs(1000, retry)).toBe(3000 + 120 + 360);
    expect(claim.leaseUntil.getTime() - before).toBeGreaterThanOrEqual(expected - 50);
    expect(claim.leaseUntil.getTime() - before).toBeLessThanOrEqual(expected + 1000);
  });

  it('never gives the same row to two concurrent claimers: 14 workers share 400 due endpoints exactly', async () => {
    const inserted = await insertEndpoints(
      m.dataSource,
      Array.from({ length: 400 }, () => ({ url: URL, intervalS: 60, nextCheckAt: PAST() })),
    );
    const claimedBy = await Promise.all(
      Array.from({ length: 14 }, async (_, w) => {
        const mine: string[] = [];
        for (;;) {
          const batch = await schedule.claimDue(`w${w}`, 7, 30);
          if (batch.length === 0) return mine;
          mine.push(...batch.map((c) => c.endpoint.id));
        }
      }),
    );
    const all = claimedBy.flat();
    expect(all).toHaveLength(400);
    expect(new Set(all).size).toBe(400);
    expect(new Set(all)).toEqual(new Set(inserted.map((e) => e.id)));
    // The claims really interleaved: more than one worker got rows.
    expect(claimedBy.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
    const owners: Array<{ lease_owner: string; n: string }> = await m.dataSource.query(`SELECT lease_owner, count(*) AS n FROM endpoints GROUP BY lease_owner`);
    expect(owners.reduce((sum, o) => sum + Number(o.n), 0)).toBe(400);
    for (const o of owners) expect(Number(o.n)).toBe(claimedBy[Number(o.lease_owner.slice(1))].length);
  });

  it('lets another worker claim the same slot once the lease has expired, and not before', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 60, timeoutMs: 200, nextCheckAt: PAST() }]);
    const [first] = await schedule.claimDue('w1', 10, 1);
    expect(await schedule.claimDue('w2', 10, 1)).toEqual([]);
    await sleep(first.leaseUntil.getTime() - Date.now() + 50);
    const [again] = await schedule.claimDue('w2', 10, 1);
    expect({ id: again.endpoint.id, slot: again.slot }).toEqual({ id: e.id, slot: first.slot });
    expect((await row(e.id)).leaseOwner).toBe('w2');
  });

  it('fences a worker whose lease was taken over: its result is dropped and the new owner completes the slot once', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 30, nextCheckAt: PAST() }]);
    const [byA] = await schedule.claimDue('A', 1, 30);
    await m.dataSource.query(`UPDATE endpoints SET lease_until = now() - interval '1 millisecond' WHERE id = $1`, [e.id]);
    const [byB] = await schedule.claimDue('B', 1, 30);
    expect(byB.slot).toEqual(byA.slot);

    // A finishes late: nothing stored, the row keeps B's lease and its slot.
    expect(await recorder.recordScheduled('A', [toResult(byA, outcome(false))])).toEqual([]);
    let current = await row(e.id);
    expect({ owner: current.leaseOwner, next: current.nextCheckAt, status: current.status }).toEqual({ owner: 'B', next: byA.slot, status: 'pending' });

    const changes: EndpointStatusChangedEvent[] = [];
    const off = events.subscribe<EndpointStatusChangedEvent>(VigilEvents.EndpointStatusChanged, (c) => changes.push(c));
    const [stored] = await recorder.recordScheduled('B', [toResult(byB)]);
    off();
    current = await row(e.id);
    expect(stored).toMatchObject({ endpointId: e.id, scheduledFor: byB.slot, success: true, manual: false, worker: 'B' });
    expect(current).toMatchObject({ leaseOwner: null, leaseUntil: null, status: 'up', lastCheckId: stored.id, lastSuccess: true, consecutiveSuccesses: 1 });
    // Anchored: the next slot is the slot that ran plus the interval.
    expect(current.nextCheckAt.getTime()).toBe(byB.slot.getTime() + 30_000);
    expect(changes).toEqual([expect.objectContaining({ endpoint_id: e.id, old_status: 'pending', new_status: 'up', check_id: stored.id })]);

    // Replaying either write changes nothing: the slot is stored once.
    expect(await recorder.recordScheduled('B', [toResult(byB)])).toEqual([]);
    expect(await recorder.recordScheduled('A', [toResult(byA)])).toEqual([]);
    const count = await m.dataSource.query(`SELECT count(*)::int AS n FROM check_results WHERE endpoint_id = $1`, [e.id]);
    expect(count[0].n).toBe(1);
  });

  it('drops a stale slot of an endpoint whose current slot is in the same batch, and a duplicate of a slot', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 30, nextCheckAt: PAST() }]);
    const [claim] = await schedule.claimDue('A', 1, 30);
    const stale = { ...toResult(claim), slot: new Date(claim.slot.getTime() - 30_000) };
    const stored = await recorder.recordScheduled('A', [stale, toResult(claim), toResult(claim, outcome(false))]);
    expect(stored.map((r) => [r.scheduledFor, r.success])).toEqual([[claim.slot, true]]);
    expect((await m.dataSource.query(`SELECT count(*)::int AS n FROM check_results WHERE endpoint_id = $1`, [e.id]))[0].n).toBe(1);
  });

  it('stores a slot at most once even when written directly twice (unique slot index, ON CONFLICT DO NOTHING)', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 30, nextCheckAt: PAST() }]);
    const slot = new Date('2026-11-24T10:00:00.000Z');
    const row = { endpointId: e.id, scheduledFor: slot, outcome: outcome(true), manual: false, worker: 'w' };
    const [first] = await m.dataSource.transaction((tx) => results.insertMany(tx, [row]));
    expect(first.id).toMatch(/^\d+$/);
    expect(await m.dataSource.transaction((tx) => results.insertMany(tx, [row, { ...row, scheduledFor: null, manual: true }]))).toEqual([
      expect.objectContaining({ manual: true, scheduledFor: null }),
    ]);
  });

  it('stores text and JSON exactly as given, whatever characters they hold', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 30, nextCheckAt: PAST() }]);
    const message = 'got "NULL", {braces}, a\\backslash, commas, ünïcödé and\nnewlines';
    const assertions = [{ index: 0, type: 'body' as const, passed: false, actual: 'say "hi" \\ {x}', message: 'body, "quoted"' }];
    const row = { endpointId: e.id, scheduledFor: null, outcome: { ...outcome(false), message, assertions }, manual: true, worker: 'w "1", {x}' };
    const [stored] = await m.dataSource.transaction((tx) => results.insertMany(tx, [row]));
    const [read] = await m.dataSource.query(`SELECT message, assertions, worker, timings FROM check_results WHERE id = $1`, [stored.id]);
    expect(read).toEqual({ message, assertions, worker: 'w "1", {x}', timings: outcome(false).timings });
    expect(stored).toMatchObject({ message, assertions, worker: 'w "1", {x}' });
  });

  it('advances the schedule only with a stored result: a failed write leaves the slot due for the next claim', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 30, nextCheckAt: PAST() }]);
    const [claim] = await schedule.claimDue('A', 1, 30);
    const broken = { ...toResult(claim), outcome: { ...outcome(true), timings: undefined as never, attempts: 70000 } };
    await expect(recorder.recordScheduled('A', [broken])).rejects.toThrow();
    const current = await row(e.id);
    expect({ next: current.nextCheckAt, owner: current.leaseOwner }).toEqual({ next: claim.slot, owner: 'A' });
    expect((await m.dataSource.query(`SELECT count(*)::int AS n FROM check_results`))[0].n).toBe(0);
  });

  it('writes a batch of many endpoints in one go, each with its own next slot and state', async () => {
    const inserted = await insertEndpoints(
      m.dataSource,
      Array.from({ length: 50 }, (_, i) => ({ url: URL, intervalS: 10 + i, nextCheckAt: PAST() })),
    );
    const claimed = await schedule.claimDue('A', 100, 30);
    expect(claimed).toHaveLength(50);
    const stored = await recorder.recordScheduled(
      'A',
      claimed.map((c, i) => toResult(c, outcome(i % 2 === 0))),
    );
    expect(stored).toHaveLength(50);
    const rows = await m.dataSource.getRepository(EndpointEntity).find();
    const intervalOf = new Map(inserted.map((e) => [e.id, e.intervalS]));
    const slotOf = new Map(claimed.map((c) => [c.endpoint.id, c.slot]));
    for (const r of rows) {
      expect(r.nextCheckAt.getTime()).toBe(slotOf.get(r.id)!.getTime() + intervalOf.get(r.id)! * 1000);
      expect(r.leaseOwner).toBeNull();
      expect(r.status).toBe(r.lastSuccess ? 'up' : 'degraded');
    }
  });

  it('gives back the leases a stopping worker still holds so another worker claims them at once', async () => {
    await insertEndpoints(
      m.dataSource,
      Array.from({ length: 3 }, () => ({ url: URL, intervalS: 60, nextCheckAt: PAST() })),
    );
    expect(await schedule.claimDue('A', 10, 300)).toHaveLength(3);
    expect(await schedule.claimDue('B', 10, 300)).toHaveLength(0);
    expect(await schedule.releaseLeases('A')).toBe(3);
    expect(await schedule.claimDue('B', 10, 300)).toHaveLength(3);
  });

  it('records a manual check without a slot, leaving the schedule and lease alone, and derives the status', async () => {
    const [e] = await insertEndpoints(m.dataSource, [{ url: URL, intervalS: 60, nextCheckAt: PAST() }]);
    await schedule.claimDue('A', 1, 30);
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
