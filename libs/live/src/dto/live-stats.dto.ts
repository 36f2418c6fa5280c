/** Subscriptions held by this instance's clients, per topic; `endpoint` sums every endpoint:<id> topic. */
export class LiveSubscriptionCountsDto {
  /** @example 12 */
  status: number;
  /** @example 3 */
  checks: number;
  /** @example 0 */
  alerts: number;
  /** @example 0 */
  providers: number;
  /** @example 0 */
  logs: number;
  /** @example 5 */
  endpoint: number;
}

export class LiveLimitsDto {
  /** @example 30 */
  ping_interval_s: number;
  /** @example 10 */
  status_interval_s: number;
  /** A client whose send buffer holds more is closed with 1013. @example 1048576 */
  max_buffered_bytes: number;
  /** @example 500 */
  max_topics_per_client: number;
}

/** The /ws/live stream as seen by the instance that answers (each API instance has its own clients). */
export class LiveStatsDto {
  /** @example 14 */
  connected_clients: number;
  subscriptions: LiveSubscriptionCountsDto;
  /** Distinct endpoint:<id> topics with at least one subscriber. @example 4 */
  endpoint_topics: number;
  /** Frames sent since start: events, replies, pings and status updates. @example 52310 */
  messages_sent: number;
  /** Clients closed because their send buffer went over its bound. @example 1 */
  evictions: number;
  /** Clients closed after two unanswered pings. @example 2 */
  heartbeat_timeouts: number;
  /** Connections closed with 4401 (missing, unknown, revoked or expired key). @example 0 */
  auth_failures: number;
  /** Authenticated connections since start. @example 31 */
  connections_total: number;
  /** @example "2026-11-24T10:00:00.000Z" */
  started_at: string;
  /** @example 3600 */
  uptime_s: number;
  limits: LiveLimitsDto;
}
