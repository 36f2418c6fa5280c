import type { MaintenanceWindowInputDto, PatchMaintenanceWindowDto } from './dto/maintenance-window-input.dto';
import { windowDraft } from './maintenance-window-rules';

const E1 = '11111111-1111-4111-8111-111111111111';
const oneOff = { name: 'deploy', endpoint_id: E1, starts_at: '2026-12-01T02:00:00Z', ends_at: '2026-12-01T04:00:00Z' };
const weekly = { name: 'backup', tag: 'prod', recurrence: { days: ['sun', 6], start_time: '02:00', duration_minutes: 90, time_zone: 'europe/berlin' } };

const fields = (input: object, existing = null as ReturnType<typeof windowDraft>['draft'] | null) =>
  windowDraft(input as MaintenanceWindowInputDto, existing).problems.map((p) => p.field);

describe('maintenance window rules', () => {
  it('builds a one-off window for one endpoint', () => {
    const { draft, problems } = windowDraft(oneOff as MaintenanceWindowInputDto, null);
    expect(problems).toEqual([]);
    expect(draft).toMatchObject({ kind: 'one_off', endpointId: E1, tag: null, isGlobal: false, startsAt: new Date(oneOff.starts_at), days: null });
  });

  it('builds a weekly window for a tag, with days as sorted numbers and the zone named canonically', () => {
    const { draft, problems } = windowDraft(weekly as MaintenanceWindowInputDto, null);
    expect(problems).toEqual([]);
    expect(draft).toMatchObject({
      kind: 'recurring',
      tag: 'prod',
      days: [0, 6],
      startTime: '02:00',
      durationMinutes: 90,
      timeZone: 'Europe/Berlin',
      startsAt: null,
    });
  });

  it('wants exactly one scope', () => {
    expect(fields({ ...oneOff, endpoint_id: undefined })).toEqual(['endpoint_id']);
    expect(fields({ ...oneOff, tag: 'prod' })).toEqual(['tag']);
    expect(fields({ ...oneOff, endpoint_id: undefined, global: false })).toEqual(['endpoint_id']);
    expect(fields({ ...oneOff, endpoint_id: undefined, global: true })).toEqual([]);
  });

  it('wants ends_at after starts_at, at most 366 days later', () => {
    expect(fields({ ...oneOff, ends_at: oneOff.starts_at })).toEqual(['ends_at']);
    expect(fields({ ...oneOff, ends_at: '2026-11-30T00:00:00Z' })).toEqual(['ends_at']);
    expect(fields({ ...oneOff, ends_at: '2028-01-01T00:00:00Z' })).toEqual(['ends_at']);
    expect(fields({ ...oneOff, ends_at: undefined })).toEqual(['ends_at']);
  });

  it('wants either a one-off period or a recurrence, not both and not neither', () => {
    expect(fields({ ...oneOff, recurrence: weekly.recurrence })).toEqual(['recurrence']);
    expect(fields({ name: 'x', global: true })).toEqual(['starts_at']);
  });

  it('PATCH merges recurrence fields into a weekly window and keeps the rest', () => {
    const existing = windowDraft(weekly as MaintenanceWindowInputDto, null).draft;
    const { draft, problems } = windowDraft({ recurrence: { duration_minutes: 30 } } as PatchMaintenanceWindowDto, existing);
    expect(problems).toEqual([]);
    expect(draft).toMatchObject({ name: 'backup', tag: 'prod', days: [0, 6], durationMinutes: 30, timeZone: 'Europe/Berlin' });
  });

  it('PATCH replaces the scope when a scope field is sent', () => {
    const existing = windowDraft(weekly as MaintenanceWindowInputDto, null).draft;
    const { draft, problems } = windowDraft({ global: true } as PatchMaintenanceWindowDto, existing);
    expect(problems).toEqual([]);
    expect(draft).toMatchObject({ isGlobal: true, tag: null, endpointId: null });
  });

  it('PATCH turning a one-off window weekly needs a whole recurrence', () => {
    const existing = windowDraft(oneOff as MaintenanceWindowInputDto, null).draft;
    expect(fields({ recurrence: { days: [1] } }, existing)).toEqual(['recurrence.start_time', 'recurrence.duration_minutes', 'recurrence.time_zone']);
    const { draft } = windowDraft({ ends_at: '2026-12-01T05:00:00Z' } as PatchMaintenanceWindowDto, existing);
    expect(draft).toMatchObject({ kind: 'one_off', startsAt: new Date(oneOff.starts_at), endsAt: new Date('2026-12-01T05:00:00Z') });
  });
});
