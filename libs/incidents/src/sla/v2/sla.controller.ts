import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '@vigil/common';
import { EndpointSlaDto, TagSlaDto } from '../dto/sla-report.dto';
import { SlaQueryDto } from '../dto/sla-query.dto';
import { ParseTagPipe } from '../parse-tag.pipe';
import { SlaService } from '../sla.service';

@ApiTags('sla')
@Controller({ version: '2' })
export class SlaV2Controller {
  constructor(private readonly sla: SlaService) {}

  @Get('endpoints/:id/sla')
  @ApiOperation({ summary: "An endpoint's SLA for a UTC month: achieved uptime, error budget, incidents, and the accounting policy" })
  endpoint(@Param('id', ParseIdPipe) id: string, @Query() q: SlaQueryDto): Promise<EndpointSlaDto> {
    return this.sla.forEndpoint(id, q.month, q.target ?? 99.9);
  }

  @Get('tags/:tag/sla')
  @ApiOperation({ summary: 'The SLA of the endpoints carrying a tag for a UTC month (mean over the endpoints), with each endpoint' })
  tag(@Param('tag', ParseTagPipe) tag: string, @Query() q: SlaQueryDto): Promise<TagSlaDto> {
    return this.sla.forTag(tag, q.month, q.target ?? 99.9);
  }
}
