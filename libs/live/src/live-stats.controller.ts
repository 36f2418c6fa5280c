import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { LiveStatsDto } from './dto/live-stats.dto';
import { LiveHub } from './live-hub.service';

@ApiTags('live')
@Controller({ path: 'live', version: ['1', '2'] })
export class LiveStatsController {
  constructor(private readonly hub: LiveHub) {}

  @Get('stats')
  @ApiOperation({ summary: 'The /ws/live stream on the answering instance: clients, subscriptions per topic, messages sent, evictions, uptime' })
  stats(): LiveStatsDto {
    return this.hub.stats();
  }
}
