import { ApiProperty } from '@nestjs/swagger';
import { ENDPOINT_STATUS_VALUES } from './incident-statuses';

export class IncidentAuthorDto {
  /** The API key that wrote it. */
  key_id: string;
  /** That key's name. @example "ops-laptop" */
  name: string;
}

export class IncidentTimelineEntryDto {
  /** @example "17" */
  id: string;
  /** @example "42" */
  incident_id: string;
  /** `opened` and `resolved` are the endpoint's status changes; `note` is an operator's text. */
  @ApiProperty({ enum: ['opened', 'resolved', 'note'] })
  kind: 'opened' | 'resolved' | 'note';
  /** @example "2026-11-24T10:30:00.012Z" */
  at: string;
  @ApiProperty({ enum: ENDPOINT_STATUS_VALUES, nullable: true, example: 'degraded' })
  from_status: string | null;
  @ApiProperty({ enum: ENDPOINT_STATUS_VALUES, nullable: true, example: 'down' })
  to_status: string | null;
  /** The check result that caused the status change. */
  @ApiProperty({ type: String, nullable: true, example: '1042' })
  check_id: string | null;
  @ApiProperty({ type: String, nullable: true })
  note: string | null;
  @ApiProperty({ type: IncidentAuthorDto, nullable: true })
  author: IncidentAuthorDto | null;
}

export class IncidentDto {
  /** @example "42" */
  id: string;
  /** @example "6a1f0d2e-3b4c-4d5e-8f90-123456789abc" */
  endpoint_id: string;
  /** The endpoint's name when the incident opened. @example "Billing API" */
  endpoint_name: string;
  @ApiProperty({ enum: ['open', 'resolved'] })
  status: 'open' | 'resolved';
  /** When the endpoint went down. @example "2026-11-24T10:30:00.012Z" */
  started_at: string;
  @ApiProperty({ type: String, nullable: true, example: null })
  resolved_at: string | null;
  /** Seconds from started_at to resolved_at (to now while open), millisecond precision. @example 312.5 */
  duration_s: number;
  /** `recovered`: a successful check; `paused`: the endpoint was paused while down. */
  @ApiProperty({ enum: ['recovered', 'paused'], nullable: true, example: null })
  resolution: 'recovered' | 'paused' | null;
  /** The first failed check of the run that took the endpoint down. */
  first_failure_at: string;
  @ApiProperty({ type: String, nullable: true, example: 'status_mismatch' })
  first_failure_reason: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'expected 200, got 503' })
  first_failure_message: string | null;
  /** Failed checks in that run, up to the last one while open. @example 7 */
  failed_checks: number;
  last_failure_at: string;
  @ApiProperty({ type: String, nullable: true })
  opened_by_check_id: string | null;
  @ApiProperty({ type: String, nullable: true })
  resolved_by_check_id: string | null;
}

export class IncidentDetailDto extends IncidentDto {
  /** Status changes and notes, oldest first. */
  @ApiProperty({ type: [IncidentTimelineEntryDto] })
  timeline: IncidentTimelineEntryDto[];
}
