import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page, ParseIdPipe } from '@vigil/common';
import type { Request } from 'express';
import { ChecksService } from '../checks.service';
import { CheckResultDto } from '../dto/check-result.dto';
import { ListCheckResultsV2QueryDto } from '../dto/list-check-results.dto';

@ApiTags('checks')
@Controller({ path: 'endpoints/:id', version: '2' })
export class ChecksV2Controller {
  constructor(private readonly checks: ChecksService) {}

  @Get('checks')
  @ApiPageResponse(CheckResultDto, 'cursor')
  @ApiOperation({ summary: 'Check history, newest first, cursor pagination; filters from, to, success, reason; sort on checked_at' })
  list(@Param('id', ParseIdPipe) id: string, @Query() q: ListCheckResultsV2QueryDto, @Req() req: Request): Promise<Page<CheckResultDto>> {
    return this.checks.listByCursor(id, q, q.limit ?? 50, q.cursor, q.sort, req);
  }
}
