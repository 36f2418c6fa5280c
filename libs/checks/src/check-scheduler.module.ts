import { Module } from '@nestjs/common';
import { EndpointsModule } from '@vigil/endpoints';
import { ChecksModule } from './checks.module';
import { CheckResultWriter } from './scheduler/check-result-writer';
import { Scheduler } from './scheduler/scheduler';

/**
 * The scheduler loop and result writer: imported by apps/worker, and by apps/api when RUN_CHECKS=true.
 * The loop starts on application bootstrap and stops on shutdown (Scheduler).
 */
@Module({
  imports: [ChecksModule, EndpointsModule],
  providers: [CheckResultWriter, Scheduler],
  exports: [Scheduler],
})
export class CheckSchedulerModule {}
