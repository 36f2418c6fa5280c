import { ApiProperty } from '@nestjs/swagger';
import type { EndpointStatus } from '@vigil/events';
import { type ExpectedStatus, HTTP_METHODS, type HttpMethod } from '../endpoint-definition';
import { ENDPOINT_STATUSES } from '../endpoint-limits';
import { AssertionDto } from './assertion.dto';

export class RetryPolicyViewDto {
  /** @example 2 */
  count: number;
  /** @example 500 */
  initial_backoff_ms: number;
  /** @example 2 */
  factor: number;
}

/** An endpoint as v1 shows it: the definition (credential-like header values masked), its status and where it comes from. */
export class EndpointDto {
  /** @example "0b5e7d2c-3f4a-4f8e-9a61-2c7d8e9f0a1b" */
  id: string;
  /** @example "Billing API" */
  name: string;
  /** @example "https://api.example.com/health" */
  url: string;
  @ApiProperty({ enum: HTTP_METHODS, example: 'GET' })
  method: HttpMethod;
  /** Seconds between checks. @example 60 */
  interval: number;
  /** Seconds one attempt may take. @example 5 */
  timeout: number;
  @ApiProperty({
    oneOf: [{ type: 'integer' }, { type: 'string' }, { type: 'array', items: { oneOf: [{ type: 'integer' }, { type: 'string' }] } }],
    example: 200,
  })
  expected_status: ExpectedStatus;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Credential-like values are masked.',
    example: { Accept: 'application/json', Authorization: 'Bearer ***' },
  })
  headers: Record<string, string>;
  @ApiProperty({ type: String, nullable: true, example: null })
  body: string | null;
  /** @example true */
  is_active: boolean;
  /** @example ["prod"] */
  tags: string[];
  retry: RetryPolicyViewDto;
  assertions: AssertionDto[];
  @ApiProperty({ enum: ENDPOINT_STATUSES, example: 'up', description: '`pending` until the first result after creation or resume; `paused` while inactive' })
  status: EndpointStatus;
  /** When the status last changed. @example "2026-11-24T10:00:00.000Z" */
  status_since: string;
  @ApiProperty({ type: String, nullable: true, example: '2026-11-24T10:01:00.000Z', description: 'The next scheduled check; null while paused' })
  next_check_at: string | null;
  /** `api`, or `file:<path>` for an endpoint managed by a monitors file (read-only through the API). @example "api" */
  source: string;
  /** @example "2026-11-24T09:00:00.000Z" */
  created_at: string;
  /** @example "2026-11-24T09:30:00.000Z" */
  updated_at: string;
}

export class LastCheckDto {
  /** @example "2026-11-24T10:00:00.120Z" */
  checked_at: string;
  /** @example true */
  success: boolean;
  @ApiProperty({ type: Number, nullable: true, example: 200 })
  status_code: number | null;
  /** @example 84 */
  response_time_ms: number;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why the check failed (null on success)' })
  reason: string | null;
}

/** v2: the endpoint with its latest check result embedded. */
export class EndpointV2Dto extends EndpointDto {
  @ApiProperty({ type: LastCheckDto, nullable: true })
  last_check: LastCheckDto | null;
}
