import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CheckResultEntity, ChecksModule } from '@vigil/checks';
import { EndpointsModule } from '@vigil/endpoints';
import { UptimeQueryRepository } from './query/uptime-query.repository';
import { UptimeRollupHook } from './rollups/uptime-rollup-hook';
import { UptimeRollupsRepository } from './rollups/uptime-rollups.repository';
import { UptimeService } from './uptime.service';
import { StatsV1Controller } from './v1/stats.controller';
import { UptimeV2Controller } from './v2/uptime.controller';

/**
 * Uptime analytics: the rollup hook (folds every stored result into minute, hour and day rollups in the
 * recorder's transaction) and the stats routes read from them. Imported by apps/api and apps/worker: the
 * hook must run wherever CheckRecorder stores results.
 */
@Module({
  imports: [ChecksModule, EndpointsModule, TypeOrmModule.forFeature([CheckResultEntity])],
  controllers: [StatsV1Controller, UptimeV2Controller],
  providers: [UptimeRollupsRepository, UptimeRollupHook, UptimeQueryRepository, UptimeService],
  exports: [UptimeService],
})
export class UptimeModule {}
