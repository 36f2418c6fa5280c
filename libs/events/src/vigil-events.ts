/** Every cross-instance event: its channel name and payload. Features publish and listen through EventBus. */
export const VigilEvents = {
  CheckResult: 'checks.result',
  EndpointStatusChanged: 'endpoints.status_changed',
  ApiKeyRevoked: 'auth.key_revoked',
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
