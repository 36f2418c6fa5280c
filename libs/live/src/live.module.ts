import { Module } from '@nestjs/common';
import { AuthModule } from '@vigil/auth';
import { EndpointsModule } from '@vigil/endpoints';
import { LiveHub } from './live-hub.service';
import { LiveStatsController } from './live-stats.controller';
import { LiveGateway } from './live.gateway';

/** The /ws/live WebSocket stream and its stats route. */
@Module({
  imports: [AuthModule, EndpointsModule],
  controllers: [LiveStatsController],
  providers: [LiveHub, LiveGateway],
})
export class LiveModule {}
