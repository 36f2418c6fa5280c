import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChecksModule } from '@vigil/checks';
import { EndpointsModule } from '@vigil/endpoints';
import { IncidentEventEntity } from './incidents/incident-event.entity';
import { IncidentPauseListener } from './incidents/incident-pause-listener';
import { IncidentRecordHook } from './incidents/incident-record-hook';
import { IncidentEntity } from './incidents/incident.entity';
import { IncidentsRepository } from './incidents/incidents.repository';
import { IncidentsService } from './incidents/incidents.service';
import { IncidentsV1Controller } from './incidents/v1/incidents.controller';
import { IncidentsV2Controller } from './incidents/v2/incidents.controller';
import { MaintenanceCalendar } from './maintenance/maintenance-calendar';
import { MaintenanceMarkHook } from './maintenance/maintenance-mark-hook';
import { MaintenanceWindowEntity } from './maintenance/maintenance-window.entity';
import { MaintenanceWindowsService } from './maintenance/maintenance-windows.service';
import { EndpointMaintenanceV1Controller } from './maintenance/v1/endpoint-maintenance.controller';
import { MaintenanceWindowsV1Controller } from './maintenance/v1/maintenance-windows.controller';
import { SlaRepository } from './sla/sla.repository';
import { SlaService } from './sla/sla.service';
import { SlaV2Controller } from './sla/v2/sla.controller';

/**
 * Incidents, maintenance windows and SLA reports. Imported by apps/api and apps/worker: its record hooks
 * (maintenance marks, incidents) must run wherever CheckRecorder stores results.
 */
@Module({
  imports: [ChecksModule, EndpointsModule, TypeOrmModule.forFeature([IncidentEntity, IncidentEventEntity, MaintenanceWindowEntity])],
  controllers: [IncidentsV1Controller, IncidentsV2Controller, MaintenanceWindowsV1Controller, EndpointMaintenanceV1Controller, SlaV2Controller],
  providers: [
    IncidentsRepository,
    IncidentsService,
    IncidentRecordHook,
    IncidentPauseListener,
    MaintenanceCalendar,
    MaintenanceMarkHook,
    MaintenanceWindowsService,
    SlaRepository,
    SlaService,
  ],
  exports: [IncidentsService, MaintenanceWindowsService, SlaService],
})
export class IncidentsModule {}
