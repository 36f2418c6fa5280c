import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page, ParseIdPipe } from '@vigil/common';
import type { Request } from 'express';
import { ChecksService } from '../checks.service';
import { CheckResultDto } from '../dto/check-result.dto';
import { ListCheckResultsV2QueryDto } from '../dto/list-check-results.dto';

@ApiTags('checks')
@Controller({ path: 'endpoints/:id', version: '2' })
export class ChecksV2Controller {
  constructor(private readonly checks: ChecksService) {}

  @Post('check')
  @HttpCode(200)
  @ApiOkResponse({ type: CheckResultDto })
  @ApiOperation({ summary: 'Run one check now (operator); answers with its stored result. 409 BIZ_ENDPOINT_PAUSED when paused.' })
  check(@Param('id', ParseIdPipe) id: string): Promise<CheckResultDto> {
    return this.checks.runNow(id);
  }

  @Get('checks')
  @ApiPageResponse(CheckResultDto, 'cursor')
  @ApiOperation({ summary: 'Check history, newest first, cursor pagination; filters from, to, success, reason; sort on checked_at' })
  list(@Param('id', ParseIdPipe) id: string, @Query() q: ListCheckResultsV2QueryDto, @Req() req: Request): Promise<Page<CheckResultDto>> {
    return this.checks.listByCursor(id, q, q.limit ?? 50, q.cursor, q.sort, req);
  }
}
