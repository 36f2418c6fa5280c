import type { ErrorDetail } from '@vigil/common';
import type { MaintenanceWindowInputDto, PatchMaintenanceWindowDto } from './dto/maintenance-window-input.dto';
import type { MaintenanceWindowEntity } from './maintenance-window.entity';
import { canonicalTimeZone, weekdayNumber } from './recurrence';

/** Everything a window row holds but its id and timestamps. */
export type WindowDraft = Omit<MaintenanceWindowEntity, 'id' | 'createdAt' | 'updatedAt'>;

/** A one-off window lasts at most this long (a longer "maintenance" is a paused endpoint). */
export const ONE_OFF_MAX_DAYS = 366;
const DAY_MS = 24 * 3600 * 1000;

const SCOPE_HINT = 'give exactly one scope: endpoint_id, tag, or global: true';

/**
 * The rules across fields that the DTOs cannot check alone: exactly one scope; either a one-off period
 * (ends_at after starts_at, at most 366 days) or a weekly recurrence; days named or numbered, zone canonical.
 * PUT/POST (`existing` null) build a whole window; PATCH merges into `existing` and checks the result.
 */
export function windowDraft(
  input: MaintenanceWindowInputDto | PatchMaintenanceWindowDto,
  existing: WindowDraft | null,
): { draft: WindowDraft; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const base: WindowDraft = existing ?? {
    name: '',
    description: null,
    endpointId: null,
    tag: null,
    isGlobal: false,
    kind: 'one_off',
    startsAt: null,
    endsAt: null,
    days: null,
    startTime: null,
    durationMinutes: null,
    timeZone: null,
  };
  const draft: WindowDraft = { ...base };
  if (input.name !== undefined) draft.name = input.name;
  if (input.description !== undefined) draft.description = input.description ?? null;

  const scopeSent = existing === null || input.endpoint_id !== undefined || input.tag !== undefined || input.global !== undefined;
  if (scopeSent) {
    const chosen = [input.endpoint_id != null && 'endpoint_id', input.tag != null && 'tag', input.global === true && 'global'].filter(Boolean) as string[];
    if (chosen.length !== 1) {
      problems.push({ field: chosen[1] ?? 'endpoint_id', message: chosen.length ? `${SCOPE_HINT} (got ${chosen.join(' and ')})` : SCOPE_HINT });
    }
    draft.endpointId = input.endpoint_id?.toLowerCase() ?? null;
    draft.tag = input.tag ?? null;
    draft.isGlobal = input.global === true;
  }

  const oneOffSent = input.starts_at != null || input.ends_at != null;
  const recurrenceSent = input.recurrence != null;
  if (oneOffSent && recurrenceSent) {
    problems.push({ field: 'recurrence', message: 'give either starts_at and ends_at (one-off) or recurrence (weekly), not both' });
  } else if (recurrenceSent) {
    Object.assign(draft, recurring(input.recurrence!, existing?.kind === 'recurring' ? existing : null, problems));
  } else if (oneOffSent || existing === null) {
    Object.assign(draft, oneOff(input, existing?.kind === 'one_off' ? existing : null, problems));
  }
  return { draft, problems };
}

function oneOff(input: { starts_at?: string | null; ends_at?: string | null }, existing: WindowDraft | null, problems: ErrorDetail[]): Partial<WindowDraft> {
  const startsAt = input.starts_at != null ? new Date(input.starts_at) : existing?.startsAt;
  const endsAt = input.ends_at != null ? new Date(input.ends_at) : existing?.endsAt;
  if (!startsAt && !endsAt) {
    problems.push({ field: 'starts_at', message: 'give starts_at and ends_at (a one-off window) or recurrence (a weekly window)' });
  } else if (!startsAt) {
    problems.push({ field: 'starts_at', message: 'starts_at is required for a one-off window' });
  } else if (!endsAt) {
    problems.push({ field: 'ends_at', message: 'ends_at is required for a one-off window' });
  } else if (endsAt.getTime() <= startsAt.getTime()) {
    problems.push({ field: 'ends_at', message: 'ends_at must be after starts_at', value: endsAt.toISOString() });
  } else if (endsAt.getTime() - startsAt.getTime() > ONE_OFF_MAX_DAYS * DAY_MS) {
    problems.push({ field: 'ends_at', message: `a one-off window lasts at most ${ONE_OFF_MAX_DAYS} days`, value: endsAt.toISOString() });
  }
  return {
    kind: 'one_off',
    startsAt: startsAt ?? null,
    endsAt: endsAt ?? null,
    days: null,
    startTime: null,
    durationMinutes: null,
    timeZone: null,
  };
}

function recurring(
  input: { days?: Array<number | string>; start_time?: string; duration_minutes?: number; time_zone?: string },
  existing: WindowDraft | null,
  problems: ErrorDetail[],
): Partial<WindowDraft> {
  const days = input.days ? [...new Set(input.days.map(weekdayNumber))].filter((d): d is number => d !== null).sort((a, b) => a - b) : existing?.days;
  const timeZone = input.time_zone !== undefined ? canonicalTimeZone(input.time_zone) : existing?.timeZone;
  const fields = {
    days,
    start_time: input.start_time ?? existing?.startTime,
    duration_minutes: input.duration_minutes ?? existing?.durationMinutes,
    time_zone: timeZone,
  };
  for (const [field, value] of Object.entries(fields)) {
    if (value == null) problems.push({ field: `recurrence.${field}`, message: `recurrence.${field} is required for a weekly window` });
  }
  return {
    kind: 'recurring',
    startsAt: null,
    endsAt: null,
    days: days ?? null,
    startTime: fields.start_time ?? null,
    durationMinutes: fields.duration_minutes ?? null,
    timeZone: timeZone ?? null,
  };
}
