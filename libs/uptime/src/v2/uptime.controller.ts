import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page, ParseIdPipe } from '@vigil/common';
import type { Request } from 'express';
import { UptimeListQueryDto, UptimeSeriesQueryDto } from '../dto/uptime-query.dto';
import { UptimeListItemDto, UptimeSeriesDto } from '../dto/uptime-stats.dto';
import { UptimeService } from '../uptime.service';

@ApiTags('uptime')
@Controller({ version: '2' })
export class UptimeV2Controller {
  constructor(private readonly uptime: UptimeService) {}

  @Get('endpoints/:id/uptime')
  @ApiOperation({ summary: 'One endpoint over a window [from, to): buckets by minute, hour or day with counts, uptime and response times, and the total' })
  series(@Param('id', ParseIdPipe) id: string, @Query() q: UptimeSeriesQueryDto): Promise<UptimeSeriesDto> {
    return this.uptime.series(id, q);
  }

  @Get('uptime')
  @ApiPageResponse(UptimeListItemDto, 'cursor')
  @ApiOperation({ summary: 'Every endpoint over a window [from, to), cursor pagination; filter tag; sort on uptime, p99, name' })
  list(@Query() q: UptimeListQueryDto, @Req() req: Request): Promise<Page<UptimeListItemDto>> {
    return this.uptime.list(q, req);
  }
}
