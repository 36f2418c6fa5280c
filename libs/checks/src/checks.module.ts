import { Module } from '@nestjs/common';
import { EndpointsModule } from '@vigil/endpoints';

/** Checks: the HTTP checker, check results and their routes (history, run a check now). */
@Module({
  imports: [EndpointsModule],
  controllers: [],
  providers: [],
  exports: [],
})
export class ChecksModule {}
