import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type CheckRecordHook, CheckRecordHooks, type RecordedCheck } from '@vigil/checks';
import type { EntityManager } from 'typeorm';
import { UptimeRollupsRepository } from './uptime-rollups.repository';

/**
 * Folds every stored result (scheduled and manual) into its minute rollup inside the recorder's transaction,
 * so rollups and raw results can never disagree; a late result, whose hour is already compacted, goes into
 * its hour and day rows too (RollupCompactionService builds them for the other hours). Runs after the
 * maintenance hook's beforeStore, so `inMaintenance` is already set on the rows.
 */
@Injectable()
export class UptimeRollupHook implements CheckRecordHook, OnModuleInit {
  readonly name = 'uptime-rollups';

  constructor(
    private readonly hooks: CheckRecordHooks,
    private readonly rollups: UptimeRollupsRepository,
  ) {}

  onModuleInit(): void {
    this.hooks.register(this);
  }

  async afterStore(m: EntityManager, recorded: RecordedCheck[]): Promise<void> {
    await this.rollups.fold(
      m,
      recorded.map(({ row }) => ({
        endpointId: row.endpointId,
        checkedAt: row.checkedAt,
        success: row.success,
        responseTimeMs: row.responseTimeMs,
        attempts: row.attempts,
        inMaintenance: row.inMaintenance,
      })),
    );
  }
}
