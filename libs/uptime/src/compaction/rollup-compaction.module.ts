import { Module } from '@nestjs/common';
import { UptimeRollupsRepository } from '../rollups/uptime-rollups.repository';
import { RollupCompactionService } from './rollup-compaction.service';

/**
 * The rollup compaction job (hour and day rollups built from minute rows once an hour has ended and its
 * grace period passed, checked every minute). Imported only by processes that run checks: apps/worker always,
 * apps/api when RUN_CHECKS=true. An advisory lock keeps it to one run at a time across processes.
 */
@Module({
  providers: [UptimeRollupsRepository, RollupCompactionService],
  exports: [RollupCompactionService],
})
export class RollupCompactionModule {}
