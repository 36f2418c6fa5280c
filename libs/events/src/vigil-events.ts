/** Every cross-instance event: its channel name and payload. Features publish and listen through EventBus. */
export const VigilEvents = {
  CheckResult: 'checks.result',
  EndpointStatusChanged: 'endpoints.status_changed',
  ApiKeyRevoked: 'auth.key_revoked',
  IncidentOpened: 'incidents.opened',
  IncidentResolved: 'incidents.resolved',
  /** A maintenance window was created, changed or deleted: every instance drops its cached windows. */
  MaintenanceWindowsChanged: 'maintenance.windows_changed',
} as const;

export type EndpointStatus = 'up' | 'down' | 'degraded' | 'paused' | 'pending';

export interface CheckResultEvent {
  id: string;
  endpoint_id: string;
  endpoint_name: string;
  checked_at: string;
  success: boolean;
  status_code: number | null;
  response_time_ms: number;
  reason: string | null;
  attempts: number;
}

export interface EndpointStatusChangedEvent {
  endpoint_id: string;
  endpoint_name: string;
  old_status: EndpointStatus;
  new_status: EndpointStatus;
  changed_at: string;
  /** The result that caused it (absent for pause/resume). */
  check_id?: string;
  reason?: string | null;
}

export interface ApiKeyRevokedEvent {
  key_hash: string;
}

/** An incident opened (`incident_opened`) or resolved (`incident_resolved`); see libs/incidents. */
export interface IncidentEvent {
  incident_id: string;
  endpoint_id: string;
  endpoint_name: string;
  started_at: string;
  /** null while open. */
  resolved_at: string | null;
  /** Seconds from started_at to resolved_at; null while open. */
  duration_s: number | null;
  /** `recovered` (a successful check) or `paused` (the endpoint was paused); null while open. */
  resolution: 'recovered' | 'paused' | null;
  first_failure_at: string;
  first_failure_reason: string | null;
  failed_checks: number;
}

export interface MaintenanceWindowsChangedEvent {
  window_id: string;
}
