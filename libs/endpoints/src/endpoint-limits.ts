/** Bounds on what an endpoint definition may hold: requests, the monitors file and bulk calls all obey them. */
export const ENDPOINT_LIMITS = {
  nameMaxLength: 200,
  urlMaxLength: 2048,
  intervalMaxS: 86_400,
  timeoutMaxS: 60,
  headersMaxCount: 50,
  headerNameMaxLength: 256,
  headerValueMaxLength: 8192,
  bodyMaxBytes: 65_536,
  tagsMaxCount: 20,
  tagMaxLength: 50,
  expectedStatusMaxItems: 20,
  assertionsMaxCount: 20,
  assertionTextMaxLength: 1000,
  jsonPathMaxLength: 200,
  retryMaxCount: 5,
  retryMaxInitialBackoffMs: 60_000,
  retryMaxFactor: 10,
  bulkMaxItems: 100,
} as const;

/** Defaults for what a definition leaves out. */
export const ENDPOINT_DEFAULTS = {
  method: 'GET',
  intervalS: 60,
  /** Seconds; halved when the interval is shorter than twice this, so the default always fits. */
  timeoutS: 5,
  expectedStatus: 200,
  retry: { count: 0, initial_backoff_ms: 500, factor: 2 },
} as const;

export const ENDPOINT_STATUSES = ['up', 'down', 'degraded', 'paused', 'pending'] as const;

export const ASSERTION_OPERATORS = {
  status: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in'],
  response_time: ['lt', 'lte'],
  header: ['eq', 'contains', 'matches', 'exists'],
  body: ['contains', 'not_contains', 'matches'],
  json_path: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'contains', 'exists'],
  tls_cert_days: ['gte', 'gt'],
} as const;
export const ASSERTION_TYPES = Object.keys(ASSERTION_OPERATORS) as Array<keyof typeof ASSERTION_OPERATORS>;

/** Headers the HTTP client sets itself or refuses (hop-by-hop, framing). */
export const FORBIDDEN_REQUEST_HEADERS = ['connection', 'content-length', 'expect', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** RFC 9110 token: a header name. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const TAG_PATTERN = /^[a-z0-9][a-z0-9._:/=-]*$/;
