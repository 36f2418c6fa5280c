import { MaintenanceWindowSet, type WindowTiming } from './maintenance-window-set';

const E1 = '11111111-1111-4111-8111-111111111111';
const E2 = '22222222-2222-4222-8222-222222222222';
const BUILT = new Date('2026-01-04T12:00:00Z');

function oneOff(scope: Partial<WindowTiming>, start: string, end: string): WindowTiming {
  return {
    id: Math.random().toString(36),
    endpointId: null,
    tag: null,
    isGlobal: false,
    kind: 'one_off',
    startsAt: new Date(start),
    endsAt: new Date(end),
    days: null,
    startTime: null,
    durationMinutes: null,
    timeZone: null,
    ...scope,
  };
}

describe('MaintenanceWindowSet', () => {
  it('is empty without windows', () => {
    expect(new MaintenanceWindowSet([], BUILT).isEmpty).toBe(true);
  });

  it('covers an endpoint by its own window only, with [start, end) bounds', () => {
    const set = new MaintenanceWindowSet([oneOff({ endpointId: E1 }, '2026-01-04T12:00:00Z', '2026-01-04T13:00:00Z')], BUILT);
    expect(set.isEmpty).toBe(false);
    expect(set.covers(E1, [], new Date('2026-01-04T12:00:00Z'))).toBe(true);
    expect(set.covers(E1, [], new Date('2026-01-04T12:59:59.999Z'))).toBe(true);
    expect(set.covers(E1, [], new Date('2026-01-04T13:00:00Z'))).toBe(false);
    expect(set.covers(E1, [], new Date('2026-01-04T11:59:59.999Z'))).toBe(false);
    expect(set.covers(E2, [], new Date('2026-01-04T12:30:00Z'))).toBe(false);
  });

  it('covers endpoints carrying a tag, and tells when tags are worth reading', () => {
    const set = new MaintenanceWindowSet([oneOff({ tag: 'prod' }, '2026-01-04T12:00:00Z', '2026-01-04T13:00:00Z')], BUILT);
    const during = new Date('2026-01-04T12:30:00Z');
    expect(set.covers(E1, ['staging', 'prod'], during)).toBe(true);
    expect(set.covers(E1, ['staging'], during)).toBe(false);
    expect(set.tagWindowActiveAt(during)).toBe(true);
    expect(set.tagWindowActiveAt(new Date('2026-01-04T14:00:00Z'))).toBe(false);
  });

  it('covers every endpoint with a global window', () => {
    const set = new MaintenanceWindowSet([oneOff({ isGlobal: true }, '2026-01-04T12:00:00Z', '2026-01-04T13:00:00Z')], BUILT);
    expect(set.covers(E2, [], new Date('2026-01-04T12:30:00Z'))).toBe(true);
    expect(set.tagWindowActiveAt(new Date('2026-01-04T12:30:00Z'))).toBe(false);
  });

  it('tests recurring windows near the build time and far from it alike', () => {
    const weekly: WindowTiming = {
      ...oneOff({ endpointId: E1 }, '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z'),
      kind: 'recurring',
      startsAt: null,
      endsAt: null,
      days: [0],
      startTime: '02:00',
      durationMinutes: 60,
      timeZone: 'Europe/Berlin',
    };
    const set = new MaintenanceWindowSet([weekly], BUILT);
    expect(set.covers(E1, [], new Date('2026-01-04T01:30:00Z'))).toBe(true); // precomputed range
    expect(set.covers(E1, [], new Date('2026-07-05T00:30:00Z'))).toBe(true); // months later, summer time
    expect(set.covers(E1, [], new Date('2026-07-05T01:30:00Z'))).toBe(false);
  });
});
