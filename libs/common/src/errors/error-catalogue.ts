import { ErrorCode } from './error-codes';

export interface ErrorCatalogueEntry {
  code: ErrorCode;
  status: number;
  /** The default message; a thrower may give a more precise one. */
  message: string;
  /** When a client sees it and what to do. */
  description: string;
}

const entries: Array<[ErrorCode, number, string, string]> = [
  [ErrorCode.AUTH_MISSING_API_KEY, 401, 'API key required', 'Send your key in the X-API-Key header.'],
  [ErrorCode.AUTH_INVALID_API_KEY, 401, 'Invalid API key', 'The key is unknown. Check for typos or create a new key.'],
  [ErrorCode.AUTH_REVOKED_API_KEY, 401, 'API key has been revoked', 'An admin revoked this key; ask for a new one.'],
  [ErrorCode.AUTH_EXPIRED_API_KEY, 401, 'API key has expired', 'The key passed its expiry date; ask for a new one.'],
  [ErrorCode.AUTH_EXPIRED_TOKEN, 401, 'Token has expired', 'A time-limited token (such as a signed link) is past its expiry.'],
  [ErrorCode.AUTH_INVALID_TOKEN, 401, 'Invalid token', 'A token could not be verified.'],
  [ErrorCode.PERM_DENIED, 403, 'Permission denied', "The key's role does not allow this action (roles: viewer < operator < admin)."],
  [ErrorCode.VAL_MALFORMED_JSON, 400, 'Malformed JSON in request body', 'The body could not be parsed as JSON.'],
  [ErrorCode.VAL_PAYLOAD_TOO_LARGE, 413, 'Request body too large', 'Request bodies are limited to 1 MiB.'],
  [ErrorCode.VAL_UNSUPPORTED_MEDIA_TYPE, 415, 'Unsupported media type', 'Send bodies as application/json.'],
  [ErrorCode.VAL_ERROR, 422, 'Request validation failed', 'One field is invalid; details names it.'],
  [ErrorCode.VAL_MULTIPLE_ERRORS, 422, 'Request validation failed', 'Several fields are invalid; details lists each.'],
  [ErrorCode.VAL_INVALID_QUERY, 400, 'Invalid query parameters', 'A query parameter, filter or sort field is unknown or out of range.'],
  [ErrorCode.VAL_INVALID_CURSOR, 400, 'Invalid pagination cursor', 'The cursor was altered, expired or belongs to another query; restart from the first page.'],
  [ErrorCode.VAL_UNSUPPORTED_API_VERSION, 400, 'Unsupported API version', 'Use one of the versions listed in GET /.'],
  [ErrorCode.VAL_BAD_REQUEST, 400, 'Bad request', 'The request could not be understood.'],
  [
    ErrorCode.VAL_MALFORMED_REQUEST,
    400,
    'Malformed HTTP request',
    'The request line or a header is not valid HTTP/1.1 (an invalid character, a line without a colon, a bad chunked body); the connection is closed.',
  ],
  [
    ErrorCode.VAL_HEADERS_TOO_LARGE,
    400,
    'Request headers exceed the size limit',
    'The request line and headers together exceed the server limit (16 KiB by default); the connection is closed. Send fewer or smaller headers.',
  ],
  [
    ErrorCode.VAL_REQUEST_TIMEOUT,
    400,
    'Request not received in full in time',
    "The headers or the body of the request arrived too slowly (over the server's headers and request timeouts); the connection is closed. Send the whole request at once.",
  ],
  [ErrorCode.RES_NOT_FOUND, 404, 'Resource not found', 'The resource or route does not exist, or the route does not take this method.'],
  [ErrorCode.RES_ALREADY_EXISTS, 409, 'Resource already exists', 'A resource with the same unique value exists.'],
  [ErrorCode.RES_CONFLICT, 409, 'Conflict with the current state', 'The request conflicts with the current state of the resource.'],
  [ErrorCode.RES_IDEMPOTENCY_CONFLICT, 409, 'Idempotency-Key reused with a different request', 'Use a new Idempotency-Key for a different request body.'],
  [ErrorCode.RES_IDEMPOTENCY_IN_PROGRESS, 409, 'A request with this Idempotency-Key is still running', 'Retry after the first request finishes.'],
  [ErrorCode.RES_VERSION_REMOVED, 410, 'This API version has been removed', 'Move to the successor version named in the Link header.'],
  [ErrorCode.BIZ_ENDPOINT_PAUSED, 409, 'Endpoint is paused', 'Resume the endpoint first.'],
  [ErrorCode.BIZ_CHECK_ALREADY_RUNNING, 409, 'A check is already running for this endpoint', 'Wait for it to finish.'],
  [ErrorCode.BIZ_ALERT_ALREADY_ACKNOWLEDGED, 409, 'Alert already acknowledged', 'Nothing to do.'],
  [ErrorCode.BIZ_RULE_VIOLATION, 422, 'Business rule violated', 'The request is well formed but breaks a rule; the message says which.'],
  [ErrorCode.EXT_DATABASE_UNAVAILABLE, 503, 'Database unavailable', 'Retry later; the service could not reach its database.'],
  [ErrorCode.EXT_CACHE_UNAVAILABLE, 503, 'Cache unavailable', 'Retry later; the service could not reach Redis.'],
  [ErrorCode.EXT_PROVIDER_ERROR, 502, 'Upstream provider error', 'An external provider answered with an error.'],
  [ErrorCode.EXT_PROVIDER_TIMEOUT, 504, 'Upstream provider timeout', 'An external provider did not answer in time.'],
  [ErrorCode.RATE_LIMIT_EXCEEDED, 429, 'Rate limit exceeded', 'Wait Retry-After seconds; limits are per API key (per IP without one).'],
  [ErrorCode.SYS_INTERNAL_ERROR, 500, 'Internal server error', 'Unexpected failure; report the request_id.'],
  [ErrorCode.SYS_MAINTENANCE, 503, 'Service in maintenance', 'This API version is read-only for maintenance; retry later.'],
  [ErrorCode.SYS_OVERLOADED, 503, 'Service overloaded', 'Retry later with backoff.'],
  [ErrorCode.SYS_NOT_READY, 503, 'Service not ready', 'A dependency is down; see data.checks in /ready.'],
];

/** The one catalogue of error codes: served at GET /api/v1/meta/errors and used by the exception filter. */
export const ERROR_CATALOGUE: ReadonlyMap<ErrorCode, ErrorCatalogueEntry> = new Map(
  entries.map(([code, status, message, description]) => [code, { code, status, message, description }]),
);

export function catalogueEntry(code: ErrorCode): ErrorCatalogueEntry {
  const entry = ERROR_CATALOGUE.get(code);
  if (!entry) throw new Error(`Error code ${code} is missing from the catalogue`);
  return entry;
}

export function helpUrl(code: string): string {
  return `/docs/errors#${code.toLowerCase().replace(/_/g, '-')}`;
}
