import { type CheckResultEvent, type EndpointStatusChangedEvent, type IncidentEvent, VigilEvents } from '@vigil/events';
import { endpointTopics } from './live-topics';

/** One EventBus channel forwarded to /ws/live: the message type clients see and the topics it goes to. */
export interface LiveEventRoute<T = unknown> {
  channel: string;
  type: string;
  topics(payload: T): string[];
}

function route<T>(channel: string, type: string, topics: (payload: T) => string[]): LiveEventRoute {
  return { channel, type, topics: topics as (payload: unknown) => string[] };
}

/**
 * Which events reach WebSocket clients. The message is `{type, ...payload}`; a client subscribed to several
 * of an event's topics gets it once. A status change also goes to `status` (the default topic), so a
 * dashboard that subscribed to nothing still sees endpoints go up and down.
 *
 * A new event is one row here once its channel is in VigilEvents: alert_created to alerts (and
 * endpoint:<id>), incident_opened / incident_resolved to alerts, status and endpoint:<id>,
 * provider_status_change and rate_limit_alert to providers, new_log_entry to logs.
 */
export const LIVE_EVENT_ROUTES: readonly LiveEventRoute[] = [
  route<CheckResultEvent>(VigilEvents.CheckResult, 'check_result', (e) => ['checks', ...endpointTopics(e.endpoint_id)]),
  route<EndpointStatusChangedEvent>(VigilEvents.EndpointStatusChanged, 'endpoint_status_change', (e) => ['status', 'checks', ...endpointTopics(e.endpoint_id)]),
  route<IncidentEvent>(VigilEvents.IncidentOpened, 'incident_opened', (e) => ['alerts', 'status', ...endpointTopics(e.endpoint_id)]),
  route<IncidentEvent>(VigilEvents.IncidentResolved, 'incident_resolved', (e) => ['alerts', 'status', ...endpointTopics(e.endpoint_id)]),
];
