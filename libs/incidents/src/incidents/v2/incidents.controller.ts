import { Body, Controller, Get, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, CreatedLocation, CurrentPrincipal, type Page, type Principal } from '@vigil/common';
import type { Request } from 'express';
import { CreateIncidentNoteDto } from '../dto/create-incident-note.dto';
import { IncidentDetailDto, IncidentDto, IncidentTimelineEntryDto } from '../dto/incident.dto';
import { ListIncidentsV2QueryDto } from '../dto/list-incidents.dto';
import { IncidentsService } from '../incidents.service';
import { ParseIncidentIdPipe } from '../parse-incident-id.pipe';

@ApiTags('incidents')
@Controller({ path: 'incidents', version: '2' })
export class IncidentsV2Controller {
  constructor(private readonly incidents: IncidentsService) {}

  @Get()
  @ApiPageResponse(IncidentDto, 'cursor')
  @ApiOperation({
    summary: 'List incidents, newest first, cursor pagination; filters endpoint_id, open, from, to (overlapping the period); sort on started_at',
  })
  list(@Query() q: ListIncidentsV2QueryDto, @Req() req: Request): Promise<Page<IncidentDto>> {
    return this.incidents.listByCursor(q, q.limit ?? 50, q.cursor, q.sort, req);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One incident with its timeline (status changes and notes)' })
  get(@Param('id', ParseIncidentIdPipe) id: string): Promise<IncidentDetailDto> {
    return this.incidents.get(id);
  }

  @Post(':id/notes')
  @CreatedLocation('/api/v{version}/incidents/:incident_id')
  @ApiOperation({ summary: "Add a note to an incident's timeline (operator or admin)" })
  addNote(
    @Param('id', ParseIncidentIdPipe) id: string,
    @Body() dto: CreateIncidentNoteDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<IncidentTimelineEntryDto> {
    return this.incidents.addNote(id, dto.text, principal);
  }
}
