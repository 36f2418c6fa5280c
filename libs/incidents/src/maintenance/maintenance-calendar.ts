import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus, VigilEvents } from '@vigil/events';
import type { EntityManager } from 'typeorm';
import { MaintenanceWindowSet, type WindowTiming } from './maintenance-window-set';

/**
 * How long a loaded set of windows is trusted without news. Changes reach every instance at once through the
 * MaintenanceWindowsChanged event (Redis pub/sub); the TTL only bounds the staleness when that message is
 * lost (pub/sub is at-most-once: a Redis reconnect drops it) or when instances share no Redis.
 */
export const MAINTENANCE_CACHE_TTL_MS = 10_000;

/** One-off windows that ended this long ago no longer matter to results being stored now. */
const ENDED_GRACE = `interval '1 day'`;

interface Cached {
  generation: number;
  loadedAt: number;
  set: MaintenanceWindowSet;
}

/**
 * This process's copy of the maintenance windows, for the record hook: stored results are tested in memory,
 * so a batch costs no query while the copy is fresh (and none at all to find out there are no windows).
 * Writes invalidate it here at once and everywhere else through the event bus.
 */
@Injectable()
export class MaintenanceCalendar implements OnModuleInit, OnModuleDestroy {
  private generation = 0;
  private cached: Cached | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly events: EventBus) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe(VigilEvents.MaintenanceWindowsChanged, () => this.invalidate());
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Drops the copy: the next read loads the windows again. */
  invalidate(): void {
    this.generation++;
  }

  /**
   * The current windows. Reads through `m` (the caller's transaction) so the hook never waits for a second
   * pool connection while holding one. A load that raced an invalidation is used once but not kept.
   */
  async windows(m: EntityManager, now = Date.now()): Promise<MaintenanceWindowSet> {
    const cached = this.cached;
    if (cached && cached.generation === this.generation && now - cached.loadedAt < MAINTENANCE_CACHE_TTL_MS) return cached.set;
    const generation = this.generation;
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT id, endpoint_id, tag, is_global, kind, starts_at, ends_at, days, start_time, duration_minutes, time_zone
       FROM maintenance_windows
       WHERE kind = 'recurring' OR ends_at > now() - ${ENDED_GRACE}`,
    );
    const set = new MaintenanceWindowSet(rows.map(toTiming), new Date(now));
    if (generation === this.generation) this.cached = { generation, loadedAt: now, set };
    return set;
  }
}

function toTiming(r: Record<string, unknown>): WindowTiming {
  return {
    id: r.id as string,
    endpointId: r.endpoint_id as string | null,
    tag: r.tag as string | null,
    isGlobal: r.is_global as boolean,
    kind: r.kind as WindowTiming['kind'],
    startsAt: r.starts_at as Date | null,
    endsAt: r.ends_at as Date | null,
    days: r.days as number[] | null,
    startTime: r.start_time as string | null,
    durationMinutes: r.duration_minutes as number | null,
    timeZone: r.time_zone as string | null,
  };
}
