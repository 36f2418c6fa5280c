import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page, Roles } from '@vigil/common';
import type { Request } from 'express';
import { ApiKeysService } from '../api-keys.service';
import { ApiKeyDto } from '../dto/api-key.dto';
import { ListApiKeysV1QueryDto } from '../dto/list-api-keys.dto';

@ApiTags('auth')
@Controller({ path: 'auth/keys', version: '1' })
export class ApiKeysV1Controller {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @Roles('admin')
  @ApiPageResponse(ApiKeyDto, 'offset')
  @ApiOperation({ summary: 'List API keys (admin), offset pagination; sort on created_at, name, last_used_at' })
  list(@Query() q: ListApiKeysV1QueryDto, @Req() req: Request): Promise<Page<ApiKeyDto>> {
    return this.keys.listByOffset(q, q.limit ?? 50, q.offset ?? 0, q.sort, req);
  }
}
