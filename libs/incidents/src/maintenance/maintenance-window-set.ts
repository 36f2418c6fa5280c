import type { MaintenanceWindowEntity } from './maintenance-window.entity';
import { currentOrNextOccurrence, occurrenceAt, occurrencesBetween, type Occurrence, type WeeklyRecurrence } from './recurrence';

/** The fields of a window that decide when and to what it applies. */
export type WindowTiming = Pick<
  MaintenanceWindowEntity,
  'id' | 'endpointId' | 'tag' | 'isGlobal' | 'kind' | 'startsAt' | 'endsAt' | 'days' | 'startTime' | 'durationMinutes' | 'timeZone'
>;

/** How far around the build time a recurring window's occurrences are precomputed (checks are stored moments after they run). */
const PRECOMPUTED_MS = 2 * 24 * 3600 * 1000;

export function recurrenceOf(w: WindowTiming): WeeklyRecurrence | null {
  return w.kind === 'recurring' ? { days: w.days ?? [], startTime: w.startTime!, durationMinutes: w.durationMinutes!, timeZone: w.timeZone! } : null;
}

/** The occurrence of a window running at `at`, if any. */
export function windowOccurrenceAt(w: WindowTiming, at: Date): Occurrence | null {
  const recurrence = recurrenceOf(w);
  if (recurrence) return occurrenceAt(recurrence, at);
  return w.startsAt! <= at && at < w.endsAt! ? { start: w.startsAt!, end: w.endsAt! } : null;
}

/** The occurrence running at `at`, else the next one; null for a one-off window that has ended. */
export function windowCurrentOrNext(w: WindowTiming, at: Date): Occurrence | null {
  const recurrence = recurrenceOf(w);
  if (recurrence) return currentOrNextOccurrence(recurrence, at);
  return at < w.endsAt! ? { start: w.startsAt!, end: w.endsAt! } : null;
}

/** One window made quick to test: occurrences near the build time are precomputed. */
class CompiledWindow {
  private readonly near: Occurrence[] | null;

  constructor(
    readonly window: WindowTiming,
    private readonly from: Date,
    private readonly to: Date,
  ) {
    const recurrence = recurrenceOf(window);
    this.near = recurrence ? occurrencesBetween(recurrence, from, to) : null;
  }

  activeAt(at: Date): boolean {
    if (!this.near) return this.window.startsAt! <= at && at < this.window.endsAt!;
    if (at >= this.from && at < this.to) return this.near.some((o) => o.start <= at && at < o.end);
    return windowOccurrenceAt(this.window, at) !== null;
  }
}

/**
 * The maintenance windows known at one moment, indexed by scope, answering "was this endpoint in
 * maintenance at that instant?" without I/O. Built by MaintenanceCalendar; immutable.
 */
export class MaintenanceWindowSet {
  private readonly global: CompiledWindow[] = [];
  private readonly byEndpoint = new Map<string, CompiledWindow[]>();
  private readonly byTag = new Map<string, CompiledWindow[]>();

  constructor(windows: readonly WindowTiming[], builtAt: Date) {
    const from = new Date(builtAt.getTime() - PRECOMPUTED_MS);
    const to = new Date(builtAt.getTime() + PRECOMPUTED_MS);
    for (const w of windows) {
      const compiled = new CompiledWindow(w, from, to);
      if (w.isGlobal) this.global.push(compiled);
      else if (w.endpointId) push(this.byEndpoint, w.endpointId, compiled);
      else if (w.tag) push(this.byTag, w.tag, compiled);
    }
  }

  get isEmpty(): boolean {
    return this.global.length === 0 && this.byEndpoint.size === 0 && this.byTag.size === 0;
  }

  /** Whether any tag-scoped window is running at `at`: only then are the endpoints' tags worth reading. */
  tagWindowActiveAt(at: Date): boolean {
    for (const windows of this.byTag.values()) if (windows.some((w) => w.activeAt(at))) return true;
    return false;
  }

  /** Whether a window for this endpoint, for one of its tags, or for every endpoint is running at `at`. */
  covers(endpointId: string, tags: readonly string[], at: Date): boolean {
    if (this.global.some((w) => w.activeAt(at))) return true;
    if (this.byEndpoint.get(endpointId)?.some((w) => w.activeAt(at))) return true;
    return tags.some((tag) => this.byTag.get(tag)?.some((w) => w.activeAt(at)) ?? false);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
