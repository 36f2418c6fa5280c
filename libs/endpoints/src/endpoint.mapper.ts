import type { EndpointEntity } from './endpoint.entity';
import { maskHeaders } from './header-masking';
import type { AssertionDto } from './dto/assertion.dto';
import type { EndpointDto, EndpointV2Dto } from './dto/endpoint.dto';

/** An endpoint as v1 shows it. Every response goes through here: this is where secrets are masked. */
export function toEndpointDto(row: EndpointEntity): EndpointDto {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    method: row.method,
    interval: row.intervalS,
    timeout: row.timeoutMs / 1000,
    expected_status: row.expectedStatus,
    headers: maskHeaders(row.headers),
    body: row.body,
    is_active: row.isActive,
    tags: row.tags,
    retry: { ...row.retry },
    assertions: row.assertions as AssertionDto[],
    status: row.status,
    status_since: row.statusSince.toISOString(),
    next_check_at: row.isActive ? row.nextCheckAt.toISOString() : null,
    source: row.source,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** v2 adds the latest check, read from the denormalized last_* columns (no join). */
export function toEndpointV2Dto(row: EndpointEntity): EndpointV2Dto {
  return {
    ...toEndpointDto(row),
    last_check: row.lastCheckedAt
      ? {
          checked_at: row.lastCheckedAt.toISOString(),
          success: row.lastSuccess === true,
          status_code: row.lastStatusCode,
          response_time_ms: row.lastResponseTimeMs ?? 0,
          reason: row.lastReason,
        }
      : null,
  };
}
