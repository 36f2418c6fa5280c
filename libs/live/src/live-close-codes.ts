/**
 * Close codes of /ws/live. 4401 is in the contract; the others tell a client whether to reconnect at once
 * (1001, 1013, 4408) or fix something first (4401, 1008).
 */
export enum LiveCloseCode {
  /** The server is shutting down; reconnect (to another instance). */
  GoingAway = 1001,
  /** The client sent too much before its key was checked. */
  PolicyViolation = 1008,
  /** The key could not be checked (database down); reconnect later. */
  InternalError = 1011,
  /** Slow consumer: its send buffer went over WS_MAX_BUFFERED_BYTES; events were not queued for it. Reconnect and resync. */
  TooSlow = 1013,
  /** Missing, unknown, revoked or expired API key; the reason is the AUTH_ error code. */
  Unauthorized = 4401,
  /** Heartbeat timeout: nothing (no pong, no other message) came back after two pings. */
  HeartbeatTimeout = 4408,
}
