import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, CreatedLocation, type Page, ParseIdPipe } from '@vigil/common';
import type { Request } from 'express';
import { toEndpointDto } from '../endpoint.mapper';
import { EndpointsService } from '../endpoints.service';
import { CreateEndpointDto } from '../dto/create-endpoint.dto';
import { EndpointDto } from '../dto/endpoint.dto';
import { ListEndpointsV1QueryDto } from '../dto/list-endpoints.dto';
import { PatchEndpointDto } from '../dto/update-endpoint.dto';

@ApiTags('endpoints')
@Controller({ path: 'endpoints', version: '1' })
export class EndpointsV1Controller {
  constructor(private readonly endpoints: EndpointsService) {}

  @Get()
  @ApiPageResponse(EndpointDto, 'offset')
  @ApiOperation({ summary: 'List endpoints, offset pagination; filters tag, active, status, search; sort on name, created_at, status (by severity)' })
  list(@Query() q: ListEndpointsV1QueryDto, @Req() req: Request): Promise<Page<EndpointDto>> {
    return this.endpoints.listByOffset(q, q.limit ?? 50, q.offset ?? 0, q.sort, req, toEndpointDto);
  }

  @Post()
  @CreatedLocation('/api/v{version}/endpoints/:id')
  @ApiOperation({ summary: 'Create an endpoint; its first check is at its next schedule slot' })
  async create(@Body() dto: CreateEndpointDto): Promise<EndpointDto> {
    return toEndpointDto(await this.endpoints.create(dto));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One endpoint' })
  async get(@Param('id', ParseIdPipe) id: string): Promise<EndpointDto> {
    return toEndpointDto(await this.endpoints.get(id));
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace an endpoint definition (fields left out take their defaults)' })
  async replace(@Param('id', ParseIdPipe) id: string, @Body() dto: CreateEndpointDto): Promise<EndpointDto> {
    return toEndpointDto(await this.endpoints.replace(id, dto));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change some fields of an endpoint' })
  async update(@Param('id', ParseIdPipe) id: string, @Body() dto: PatchEndpointDto): Promise<EndpointDto> {
    return toEndpointDto(await this.endpoints.update(id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint and its check history' })
  async remove(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.endpoints.remove(id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop checking an endpoint (status paused); pausing twice is not an error' })
  async pause(@Param('id', ParseIdPipe) id: string): Promise<EndpointDto> {
    return toEndpointDto(await this.endpoints.pause(id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check an endpoint again from its next slot (status pending until its first result)' })
  async resume(@Param('id', ParseIdPipe) id: string): Promise<EndpointDto> {
    return toEndpointDto(await this.endpoints.resume(id));
  }
}
