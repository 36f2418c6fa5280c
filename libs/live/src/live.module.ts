import { Module } from '@nestjs/common';
import { AuthModule } from '@vigil/auth';
import { UpgradeRateLimiter } from '@vigil/common';
import { EndpointsModule } from '@vigil/endpoints';
import { LiveHub } from './live-hub.service';
import { LiveStatsController } from './live-stats.controller';
import { LiveGateway } from './live.gateway';

/** The /ws/live WebSocket stream and its stats route. Upgrades count on the app's rate-limit storage (ThrottlerModule, global). */
@Module({
  imports: [AuthModule, EndpointsModule],
  controllers: [LiveStatsController],
  providers: [LiveHub, LiveGateway, UpgradeRateLimiter],
})
export class LiveModule {}
