import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, CreatedLocation, type Page, ParseIdPipe } from '@vigil/common';
import type { Request } from 'express';
import { toEndpointV2Dto } from '../endpoint.mapper';
import { EndpointsService } from '../endpoints.service';
import { BulkEndpointsDto, BulkEndpointsResultDto } from '../dto/bulk-endpoints.dto';
import { CreateEndpointDto } from '../dto/create-endpoint.dto';
import { EndpointV2Dto } from '../dto/endpoint.dto';
import { EndpointSummaryDto } from '../dto/endpoint-summary.dto';
import { EndpointSummaryQueryDto, ListEndpointsV2QueryDto } from '../dto/list-endpoints.dto';
import { PatchEndpointDto } from '../dto/update-endpoint.dto';

@ApiTags('endpoints')
@Controller({ path: 'endpoints', version: '2' })
export class EndpointsV2Controller {
  constructor(private readonly endpoints: EndpointsService) {}

  @Get()
  @ApiPageResponse(EndpointV2Dto, 'cursor')
  @ApiOperation({ summary: 'List endpoints with their last check, cursor pagination; filters tag, active, status, search; sort on name, created_at, status' })
  list(@Query() q: ListEndpointsV2QueryDto, @Req() req: Request): Promise<Page<EndpointV2Dto>> {
    return this.endpoints.listByCursor(q, q.limit ?? 50, q.cursor, q.sort, req, toEndpointV2Dto);
  }

  // Before ':id', which would otherwise take "summary" for an id.
  @Get('summary')
  @ApiOperation({ summary: 'Endpoints by status, overall and per tag (?tag= narrows to one tag)' })
  summary(@Query() q: EndpointSummaryQueryDto): Promise<EndpointSummaryDto> {
    return this.endpoints.summary(q.tag);
  }

  @Post('bulk')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create and update up to 100 endpoints in one transaction: all or nothing (422 lists every bad item)' })
  async bulk(@Body() dto: BulkEndpointsDto): Promise<BulkEndpointsResultDto> {
    const { created, updated } = await this.endpoints.bulk(dto);
    return { created: created.map(toEndpointV2Dto), updated: updated.map(toEndpointV2Dto) };
  }

  @Post()
  @CreatedLocation('/api/v{version}/endpoints/:id')
  @ApiOperation({ summary: 'Create an endpoint' })
  async create(@Body() dto: CreateEndpointDto): Promise<EndpointV2Dto> {
    return toEndpointV2Dto(await this.endpoints.create(dto));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One endpoint with its last check' })
  async get(@Param('id', ParseIdPipe) id: string): Promise<EndpointV2Dto> {
    return toEndpointV2Dto(await this.endpoints.get(id));
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace an endpoint definition (fields left out take their defaults)' })
  async replace(@Param('id', ParseIdPipe) id: string, @Body() dto: CreateEndpointDto): Promise<EndpointV2Dto> {
    return toEndpointV2Dto(await this.endpoints.replace(id, dto));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change some fields of an endpoint' })
  async update(@Param('id', ParseIdPipe) id: string, @Body() dto: PatchEndpointDto): Promise<EndpointV2Dto> {
    return toEndpointV2Dto(await this.endpoints.update(id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint and its check history' })
  async remove(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.endpoints.remove(id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop checking an endpoint (status paused)' })
  async pause(@Param('id', ParseIdPipe) id: string): Promise<EndpointV2Dto> {
    return toEndpointV2Dto(await this.endpoints.pause(id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check an endpoint again from its next slot' })
  async resume(@Param('id', ParseIdPipe) id: string): Promise<EndpointV2Dto> {
    return toEndpointV2Dto(await this.endpoints.resume(id));
  }
}
