import type { VigilConfig } from '@vigil/config';
import type { EndpointEntity } from '@vigil/endpoints';
import type { CheckRequest } from '../check-types';

const NO_RETRY = { count: 0, initial_backoff_ms: 0, factor: 1 };

/** What the checker needs from an endpoint row, with the redirect limit from configuration. */
export function checkRequestFrom(
  endpoint: Pick<EndpointEntity, 'url' | 'method' | 'headers' | 'body' | 'timeoutMs' | 'expectedStatus' | 'assertions' | 'retry'>,
  config: VigilConfig,
): CheckRequest {
  return {
    url: endpoint.url,
    method: endpoint.method,
    headers: endpoint.headers ?? {},
    body: endpoint.body ?? null,
    timeoutMs: endpoint.timeoutMs,
    expectedStatus: endpoint.expectedStatus,
    assertions: endpoint.assertions ?? [],
    retry: endpoint.retry ?? NO_RETRY,
    maxRedirects: config.checks.maxRedirects,
  };
}
