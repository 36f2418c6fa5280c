import { type EndpointStateBefore, nextEndpointState } from './endpoint-status';

const T0 = new Date('2026-11-24T10:00:00.000Z');
const T1 = new Date('2026-11-24T10:01:00.000Z');

function state(over: Partial<EndpointStateBefore> = {}): EndpointStateBefore {
  return { isActive: true, status: 'up', statusSince: T0, consecutiveFailures: 0, consecutiveSuccesses: 5, ...over };
}
const ok = (attempts = 1) => ({ success: true, attempts, checkedAt: T1 });
const failed = () => ({ success: false, attempts: 1, checkedAt: T1 });

describe('nextEndpointState', () => {
  it('moves a pending endpoint to up on its first successful check, from that check on', () => {
    expect(nextEndpointState(state({ status: 'pending', consecutiveSuccesses: 0 }), ok(), 3)).toEqual({
      status: 'up',
      statusSince: T1,
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
      changed: true,
    });
  });

  it('keeps up and its status_since on another first-attempt success', () => {
    expect(nextEndpointState(state(), ok(), 3)).toEqual({ status: 'up', statusSince: T0, consecutiveFailures: 0, consecutiveSuccesses: 6, changed: false });
  });

  it('calls a success that needed retries degraded', () => {
    expect(nextEndpointState(state(), ok(2), 3)).toMatchObject({ status: 'degraded', changed: true, consecutiveSuccesses: 6 });
  });

  it('calls failures below the threshold degraded and at the threshold down', () => {
    const first = nextEndpointState(state(), failed(), 3);
    expect(first).toMatchObject({ status: 'degraded', consecutiveFailures: 1, consecutiveSuccesses: 0, changed: true });
    const second = nextEndpointState(state({ ...first, isActive: true }), failed(), 3);
    expect(second).toMatchObject({ status: 'degraded', consecutiveFailures: 2, changed: false });
    const third = nextEndpointState(state({ ...second, isActive: true }), failed(), 3);
    expect(third).toMatchObject({ status: 'down', consecutiveFailures: 3, changed: true });
  });

  it('goes straight to down with a threshold of 1, and back to up on the next success', () => {
    const down = nextEndpointState(state(), failed(), 1);
    expect(down).toMatchObject({ status: 'down', changed: true });
    expect(nextEndpointState(state({ ...down, isActive: true }), ok(), 1)).toMatchObject({
      status: 'up',
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
      changed: true,
    });
  });

  it('keeps a paused endpoint paused whatever the result, counting it', () => {
    expect(nextEndpointState(state({ isActive: false, status: 'paused' }), failed(), 1)).toMatchObject({
      status: 'paused',
      statusSince: T0,
      consecutiveFailures: 1,
      changed: false,
    });
  });

  it('never moves status_since back to a result checked before the current status began', () => {
    const late = { success: false, attempts: 1, checkedAt: new Date(T0.getTime() - 5000) };
    expect(nextEndpointState(state(), late, 1).statusSince).toEqual(T0);
  });
});
