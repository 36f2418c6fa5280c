import { type CheckResultEntity, nextEndpointState, type RecordedCheck } from '@vigil/checks';
import type { EndpointState } from '@vigil/endpoints';
import { type IncidentStep, mayTouchIncidents, type OpenIncidentRef, planIncidentSteps } from './incident-rules';

const ID = '11111111-1111-4111-8111-111111111111';
const THRESHOLD = 3;

/** One endpoint fed results one at a time through the real status logic and the incident rules. */
class Simulation {
  state: EndpointState = {
    id: ID,
    name: 'billing',
    isActive: true,
    status: 'up',
    statusSince: new Date('2026-01-01T00:00:00Z'),
    consecutiveFailures: 0,
    consecutiveSuccesses: 5,
    intervalS: 60,
    nextCheckAt: new Date('2026-01-01T00:00:00Z'),
  };
  open: OpenIncidentRef | null = null;
  private n = 0;

  /** Stores one result; returns the steps the rules plan for it. */
  result(r: { success: boolean; attempts?: number; inMaintenance?: boolean }): IncidentStep[] {
    this.n++;
    const row = {
      id: String(this.n),
      endpointId: ID,
      checkedAt: new Date(Date.UTC(2026, 0, 1, 0, this.n)),
      success: r.success,
      attempts: r.attempts ?? 1,
      reason: r.success ? null : 'status_mismatch',
      message: r.success ? null : 'expected 200, got 503',
      inMaintenance: r.inMaintenance ?? false,
    } as CheckResultEntity;
    const after = nextEndpointState(this.state, row, THRESHOLD);
    const recorded: RecordedCheck = { row, before: this.state, after, change: null };
    const steps = mayTouchIncidents(recorded) ? planIncidentSteps([recorded], new Map(this.open ? [[ID, this.open]] : [])) : [];
    for (const s of steps) {
      if (s.kind === 'open') this.open = { id: '1', endpointId: ID, startedAt: s.startedAt };
      if (s.kind === 'resolve') this.open = null;
    }
    this.state = {
      ...this.state,
      status: after.status,
      statusSince: after.statusSince,
      consecutiveFailures: after.consecutiveFailures,
      consecutiveSuccesses: after.consecutiveSuccesses,
    };
    return steps;
  }

  get minute(): Date {
    return new Date(Date.UTC(2026, 0, 1, 0, this.n));
  }
}

describe('incident rules', () => {
  it('opens exactly when the consecutive failures reach the threshold (the status turns down)', () => {
    const sim = new Simulation();
    expect(sim.result({ success: false })).toEqual([]);
    expect(sim.result({ success: false })).toEqual([]);
    expect(sim.state.status).toBe('degraded');
    const [open] = sim.result({ success: false });
    expect(sim.state.status).toBe('down');
    expect(open).toMatchObject({ kind: 'open', startedAt: sim.minute, fromStatus: 'degraded', alreadyDown: false, failedChecks: 3, checkId: '3' });
    expect(open).toMatchObject({ endpointName: 'billing', reason: 'status_mismatch', message: 'expected 200, got 503' });
  });

  it('counts further failures as the length of the run and opens no second incident', () => {
    const sim = new Simulation();
    for (let i = 0; i < 3; i++) sim.result({ success: false });
    expect(sim.result({ success: false })).toEqual([{ kind: 'fail', endpointId: ID, failedChecks: 4, lastFailureAt: sim.minute }]);
    expect(sim.result({ success: false })).toEqual([{ kind: 'fail', endpointId: ID, failedChecks: 5, lastFailureAt: sim.minute }]);
  });

  it('resolves at the first success: up, or degraded when it needed retries', () => {
    const sim = new Simulation();
    for (let i = 0; i < 3; i++) sim.result({ success: false });
    expect(sim.result({ success: true })).toEqual([
      { kind: 'resolve', endpointId: ID, resolvedAt: sim.minute, toStatus: 'up', resolution: 'recovered', checkId: '4' },
    ]);
    for (let i = 0; i < 3; i++) sim.result({ success: false });
    expect(sim.result({ success: true, attempts: 2 })).toEqual([expect.objectContaining({ kind: 'resolve', toStatus: 'degraded', resolution: 'recovered' })]);
    expect(sim.open).toBeNull();
  });

  it('does not open while the failures run inside a maintenance window, and opens at the first failure after it', () => {
    const sim = new Simulation();
    for (let i = 0; i < 4; i++) expect(sim.result({ success: false, inMaintenance: true })).toEqual([]);
    expect(sim.state.status).toBe('down');
    const [open] = sim.result({ success: false });
    expect(open).toMatchObject({ kind: 'open', startedAt: sim.minute, fromStatus: 'down', alreadyDown: true, failedChecks: 5 });
  });

  it('opens nothing when the endpoint recovers before the window ends', () => {
    const sim = new Simulation();
    for (let i = 0; i < 3; i++) sim.result({ success: false, inMaintenance: true });
    expect(sim.result({ success: true, inMaintenance: true })).toEqual([]);
    expect(sim.result({ success: false })).toEqual([]);
    expect(sim.open).toBeNull();
  });

  it('keeps counting an open incident during a window that starts after it opened', () => {
    const sim = new Simulation();
    for (let i = 0; i < 3; i++) sim.result({ success: false });
    expect(sim.result({ success: false, inMaintenance: true })).toEqual([expect.objectContaining({ kind: 'fail', failedChecks: 4 })]);
  });

  it('resolves with `paused` when a paused endpoint stores a late result', () => {
    const sim = new Simulation();
    for (let i = 0; i < 3; i++) sim.result({ success: false });
    sim.state = { ...sim.state, isActive: false, status: 'paused', consecutiveFailures: 0 };
    expect(sim.result({ success: false })).toEqual([expect.objectContaining({ kind: 'resolve', toStatus: 'paused', resolution: 'paused' })]);
  });

  it('reads open incidents only for results that may touch one', () => {
    const touches = (before: string, after: string) => mayTouchIncidents({ before: { status: before }, after: { status: after } } as unknown as RecordedCheck);
    expect([touches('up', 'up'), touches('up', 'degraded'), touches('degraded', 'up'), touches('degraded', 'degraded')]).toEqual([false, false, false, false]);
    expect([touches('degraded', 'down'), touches('down', 'down'), touches('down', 'up'), touches('pending', 'up'), touches('paused', 'paused')]).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('plans a batch in order: open, more failures, and recovery of another endpoint', () => {
    const other = '22222222-2222-4222-8222-222222222222';
    const at = new Date('2026-01-01T01:00:00Z');
    const rec = (endpointId: string, success: boolean, before: Partial<EndpointState>, afterStatus: 'down' | 'up', failures: number): RecordedCheck =>
      ({
        row: { id: endpointId.slice(0, 1), endpointId, checkedAt: at, success, inMaintenance: false, reason: null, message: null },
        before: { name: 'n', status: 'degraded', ...before },
        after: { status: afterStatus, statusSince: at, consecutiveFailures: failures, consecutiveSuccesses: 0, changed: before.status !== afterStatus },
        change: null,
      }) as unknown as RecordedCheck;
    const steps = planIncidentSteps(
      [rec(ID, false, { status: 'degraded' }, 'down', 3), rec(other, true, { status: 'down' }, 'up', 0)],
      new Map([[other, { id: '9', endpointId: other, startedAt: at }]]),
    );
    expect(steps.map((s) => [s.kind, s.endpointId])).toEqual([
      ['open', ID],
      ['resolve', other],
    ]);
  });
});
