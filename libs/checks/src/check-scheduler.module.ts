import { Module } from '@nestjs/common';
import { ChecksModule } from './checks.module';

/** The scheduler loop and result writer: imported by apps/worker, and by apps/api when RUN_CHECKS=true. */
@Module({
  imports: [ChecksModule],
  providers: [],
})
export class CheckSchedulerModule {}
