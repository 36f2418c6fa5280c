import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, type Page, Roles } from '@vigil/common';
import type { Request } from 'express';
import { ApiKeysService } from '../api-keys.service';
import { ApiKeyDto } from '../dto/api-key.dto';
import { ListApiKeysV2QueryDto } from '../dto/list-api-keys.dto';

@ApiTags('auth')
@Controller({ path: 'auth/keys', version: '2' })
export class ApiKeysV2Controller {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @Roles('admin')
  @ApiPageResponse(ApiKeyDto, 'cursor')
  @ApiOperation({ summary: 'List API keys (admin), cursor pagination; sort on created_at, name' })
  list(@Query() q: ListApiKeysV2QueryDto, @Req() req: Request): Promise<Page<ApiKeyDto>> {
    return this.keys.listByCursor(q, q.limit ?? 50, q.cursor, q.sort, req);
  }
}
