import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, CreatedLocation, type Page, ParseIdPipe } from '@vigil/common';
import type { Request } from 'express';
import { ListMaintenanceWindowsQueryDto } from '../dto/list-maintenance-windows.dto';
import { MaintenanceWindowInputDto, PatchMaintenanceWindowDto } from '../dto/maintenance-window-input.dto';
import { MaintenanceWindowDto } from '../dto/maintenance-window.dto';
import { MaintenanceWindowsService } from '../maintenance-windows.service';

@ApiTags('maintenance')
@Controller({ path: 'maintenance-windows', version: '1' })
export class MaintenanceWindowsV1Controller {
  constructor(private readonly windows: MaintenanceWindowsService) {}

  @Get()
  @ApiPageResponse(MaintenanceWindowDto, 'offset')
  @ApiOperation({ summary: 'List maintenance windows; filters endpoint_id (windows that apply to it), tag, scope, kind; sort on created_at, name, starts_at' })
  list(@Query() q: ListMaintenanceWindowsQueryDto, @Req() req: Request): Promise<Page<MaintenanceWindowDto>> {
    return this.windows.list(q, q.limit ?? 50, q.offset ?? 0, q.sort, req);
  }

  @Post()
  @CreatedLocation('/api/v{version}/maintenance-windows/:id')
  @ApiOperation({ summary: 'Create a one-off (starts_at, ends_at) or weekly (recurrence) window for an endpoint, a tag or every endpoint' })
  create(@Body() dto: MaintenanceWindowInputDto): Promise<MaintenanceWindowDto> {
    return this.windows.create(dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One maintenance window, with whether it is running now and its next occurrence' })
  get(@Param('id', ParseIdPipe) id: string): Promise<MaintenanceWindowDto> {
    return this.windows.get(id);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace a maintenance window' })
  replace(@Param('id', ParseIdPipe) id: string, @Body() dto: MaintenanceWindowInputDto): Promise<MaintenanceWindowDto> {
    return this.windows.replace(id, dto);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change some fields of a maintenance window' })
  update(@Param('id', ParseIdPipe) id: string, @Body() dto: PatchMaintenanceWindowDto): Promise<MaintenanceWindowDto> {
    return this.windows.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a maintenance window' })
  async remove(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.windows.remove(id);
  }
}
