import { Module } from '@nestjs/common';
import { UptimeRollupsRepository } from '../rollups/uptime-rollups.repository';
import { RetentionService } from './retention.service';

/**
 * The retention job (old raw check results and rollup rows deleted in small batches, hourly by default).
 * Imported only by processes that run checks: apps/worker always, apps/api when RUN_CHECKS=true.
 * An advisory lock keeps it to one run at a time across processes.
 */
@Module({
  providers: [UptimeRollupsRepository, RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
