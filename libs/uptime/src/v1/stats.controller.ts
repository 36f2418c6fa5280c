import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CheckResultDto } from '@vigil/checks';
import { ApiPageResponse, type Page, ParseIdPipe } from '@vigil/common';
import type { Request } from 'express';
import { StatsHistoryQueryDto, UptimePeriodQueryDto } from '../dto/uptime-query.dto';
import { StatsSummaryDto, UptimeStatsV1Dto } from '../dto/uptime-stats.dto';
import { UptimeService } from '../uptime.service';

@ApiTags('stats')
@Controller({ path: 'stats', version: '1' })
export class StatsV1Controller {
  constructor(private readonly uptime: UptimeService) {}

  @Get('summary')
  @ApiOperation({ summary: 'Endpoints by status, overall uptime and checks over the last 24 h, open incidents, slowest endpoints by p95' })
  summary(): Promise<StatsSummaryDto> {
    return this.uptime.summary();
  }

  @Get('uptime/:id')
  @ApiOperation({ summary: 'Uptime and response times (min/avg/max, p50/p95/p99) of one endpoint over the last 24h, 7d or 30d' })
  stats(@Param('id', ParseIdPipe) id: string, @Query() q: UptimePeriodQueryDto): Promise<UptimeStatsV1Dto> {
    return this.uptime.periodStats(id, q.period ?? '24h');
  }

  @Get('history/:id')
  @ApiPageResponse(CheckResultDto, 'offset')
  @ApiOperation({ summary: 'Check history of one endpoint, newest first, offset pagination; filters from_date, to_date' })
  history(@Param('id', ParseIdPipe) id: string, @Query() q: StatsHistoryQueryDto, @Req() req: Request): Promise<Page<CheckResultDto>> {
    return this.uptime.history(id, q, req);
  }
}
