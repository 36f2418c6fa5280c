import { ApiProperty } from '@nestjs/swagger';
import { FAILURE_REASONS } from '../check-types';

export class PhaseTimingsDto {
  /** 0 when a kept-alive connection was reused. @example 2 */
  dns_ms: number;
  /** @example 1 */
  connect_ms: number;
  /** @example 0 */
  tls_ms: number;
  /** @example 38 */
  first_byte_ms: number;
  /** @example 41 */
  total_ms: number;
  /** Whether the final request went over a kept-alive connection (absent when no connection served it). */
  reused_connection?: boolean;
}

export class AssertionResultDto {
  /** Index of the assertion in the endpoint's list. @example 0 */
  index: number;
  @ApiProperty({ enum: ['status', 'response_time', 'header', 'body', 'json_path', 'tls_cert_days'] })
  type: string;
  passed: boolean;
  /** What was measured (status, header value, JSON value, days...). */
  @ApiProperty({ nullable: true, example: 'UP' })
  actual: unknown;
  /** @example "$.status == \"UP\"" */
  message: string;
}

export class CheckResultDto {
  /** @example "1042" */
  id: string;
  /** @example "6a1f0d2e-3b4c-4d5e-8f90-123456789abc" */
  endpoint_id: string;
  /** When the final attempt started. @example "2026-11-24T10:30:00.012Z" */
  checked_at: string;
  /** The slot this result is for; null for a manual check. */
  @ApiProperty({ type: String, nullable: true, example: '2026-11-24T10:30:00.000Z' })
  scheduled_for: string | null;
  success: boolean;
  @ApiProperty({ type: Number, nullable: true, example: 200 })
  status_code: number | null;
  /** @example 41 */
  response_time_ms: number;
  @ApiProperty({ enum: FAILURE_REASONS, nullable: true, example: null })
  reason: string | null;
  /** What went wrong, in words (never a stack trace). */
  @ApiProperty({ type: String, nullable: true, example: null })
  message: string | null;
  /** 1 + retries used. @example 1 */
  attempts: number;
  timings: PhaseTimingsDto;
  @ApiProperty({ type: [AssertionResultDto] })
  assertions: AssertionResultDto[];
  /** Run on demand (POST .../check) rather than by the schedule. */
  manual: boolean;
  /** The check ran inside a maintenance window: kept in history, opens no incident, left out of SLAs. */
  in_maintenance: boolean;
}
