import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '@vigil/common';
import { EndpointMaintenanceDto } from '../dto/maintenance-window.dto';
import { MaintenanceWindowsService } from '../maintenance-windows.service';

@ApiTags('maintenance')
@Controller({ path: 'endpoints/:id/maintenance', version: '1' })
export class EndpointMaintenanceV1Controller {
  constructor(private readonly windows: MaintenanceWindowsService) {}

  @Get()
  @ApiOperation({ summary: 'Whether an endpoint is in maintenance now, the windows running and those to come' })
  get(@Param('id', ParseIdPipe) id: string): Promise<EndpointMaintenanceDto> {
    return this.windows.forEndpoint(id);
  }
}
