import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '@vigil/common';
import { ChecksService } from './checks.service';
import { CheckResultDto } from './dto/check-result.dto';

/** The route that is the same in v1 and v2 (history differs: see v1/ and v2/). */
@ApiTags('checks')
@Controller({ path: 'endpoints/:id', version: ['1', '2'] })
export class RunCheckController {
  constructor(private readonly checks: ChecksService) {}

  @Post('check')
  @HttpCode(200)
  @ApiOkResponse({ type: CheckResultDto })
  @ApiOperation({ summary: 'Run one check now (operator); answers with its stored result. 409 BIZ_ENDPOINT_PAUSED when paused.' })
  check(@Param('id', ParseIdPipe) id: string): Promise<CheckResultDto> {
    return this.checks.runNow(id);
  }
}
