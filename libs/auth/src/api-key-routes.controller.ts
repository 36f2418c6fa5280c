import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreatedLocation, CurrentPrincipal, ParseIdPipe, type Principal, Roles } from '@vigil/common';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, CreatedApiKeyDto, WhoAmIDto } from './dto/api-key.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

/** Routes that are the same in v1 and v2 (lists differ: see v1/ and v2/). */
@ApiTags('auth')
@Controller({ path: 'auth', version: ['1', '2'] })
export class ApiKeyRoutesController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get('me')
  @ApiOperation({ summary: 'The calling API key: its id, name and role' })
  me(@CurrentPrincipal() principal: Principal): WhoAmIDto {
    return { key_id: principal.keyId, name: principal.name, role: principal.role, prefix: principal.prefix };
  }

  @Post('keys')
  @Roles('admin')
  @CreatedLocation('/api/v{version}/auth/keys/:id')
  @ApiOperation({ summary: 'Create an API key (admin). The key is in this response only.' })
  create(@Body() dto: CreateApiKeyDto, @CurrentPrincipal() principal: Principal): Promise<CreatedApiKeyDto> {
    return this.keys.create(dto, principal.keyId);
  }

  @Get('keys/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'One API key (admin); the key itself is never shown again' })
  get(@Param('id', ParseIdPipe) id: string): Promise<ApiKeyDto> {
    return this.keys.get(id);
  }

  @Delete('keys/:id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key (admin); effective on every instance at once' })
  async revoke(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}
