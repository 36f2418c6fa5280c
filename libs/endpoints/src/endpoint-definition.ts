/** What an endpoint's check is: method, expected status, retries and assertions. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** `200`, `[200, 204]` or `"2xx"` (also lists mixing both: `["2xx", 304]`). */
export type ExpectedStatus = number | string | Array<number | string>;

export interface RetryPolicy {
  /** Extra attempts after the first (0 = no retry). */
  count: number;
  /** Wait before the first retry, in ms; later waits grow by `factor`, each jittered by ±20 %. */
  initial_backoff_ms: number;
  factor: number;
}

export type Assertion =
  | { type: 'status'; operator: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in'; value: number | number[] }
  | { type: 'response_time'; operator: 'lt' | 'lte'; value: number }
  | { type: 'header'; name: string; operator: 'eq' | 'contains' | 'matches' | 'exists'; value?: string }
  | { type: 'body'; operator: 'contains' | 'not_contains' | 'matches'; value: string }
  | { type: 'json_path'; path: string; operator: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'contains' | 'exists'; value?: unknown }
  | { type: 'tls_cert_days'; operator: 'gte' | 'gt'; value: number };
