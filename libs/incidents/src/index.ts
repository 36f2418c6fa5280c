export { IncidentsModule } from './incidents.module';
export { IncidentEntity } from './incidents/incident.entity';
export { IncidentEventEntity } from './incidents/incident-event.entity';
export { IncidentsService } from './incidents/incidents.service';
export { MaintenanceWindowEntity } from './maintenance/maintenance-window.entity';
export { MaintenanceWindowsService } from './maintenance/maintenance-windows.service';
export { occurrencesBetween, type Occurrence, type WeeklyRecurrence } from './maintenance/recurrence';
export { SlaService } from './sla/sla.service';
export { SLA_POLICY } from './sla/sla-figures';
