import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type CheckRecordHook, CheckRecordHooks, type PendingCheck } from '@vigil/checks';
import type { EntityManager } from 'typeorm';
import { MaintenanceCalendar } from './maintenance-calendar';

/**
 * Marks results checked inside a maintenance window (`in_maintenance`), before they are inserted, so the
 * incident hook and the rollups (both in afterStore) see the mark. Cost per batch: nothing while the calendar's
 * copy is fresh, plus one query for the endpoints' tags only when a tag-scoped window is running.
 */
@Injectable()
export class MaintenanceMarkHook implements CheckRecordHook, OnModuleInit {
  readonly name = 'maintenance-mark';

  constructor(
    private readonly hooks: CheckRecordHooks,
    private readonly calendar: MaintenanceCalendar,
  ) {}

  onModuleInit(): void {
    this.hooks.register(this);
  }

  async beforeStore(m: EntityManager, pending: PendingCheck[]): Promise<void> {
    if (pending.length === 0) return;
    const windows = await this.calendar.windows(m);
    if (windows.isEmpty) return;
    const tags = new Map<string, string[]>();
    if (pending.some((p) => windows.tagWindowActiveAt(p.checkedAt))) {
      const ids = [...new Set(pending.map((p) => p.endpointId))];
      const rows: Array<{ id: string; tags: string[] }> = await m.query(`SELECT id, tags FROM endpoints WHERE id = ANY($1::uuid[])`, [ids]);
      for (const row of rows) tags.set(row.id, row.tags);
    }
    for (const p of pending) {
      if (windows.covers(p.endpointId, tags.get(p.endpointId) ?? [], p.checkedAt)) p.inMaintenance = true;
    }
  }
}
