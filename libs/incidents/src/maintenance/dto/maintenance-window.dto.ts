import { ApiProperty } from '@nestjs/swagger';

export class RecurrenceDto {
  /** 0 = Sunday … 6 = Saturday. @example [0, 6] */
  @ApiProperty({ type: [Number], example: [0, 6] })
  days: number[];
  /** @example "02:00" */
  start_time: string;
  /** @example 90 */
  duration_minutes: number;
  /** @example "Europe/Berlin" */
  time_zone: string;
}

export class OccurrenceDto {
  /** @example "2026-12-06T01:00:00.000Z" */
  starts_at: string;
  /** @example "2026-12-06T02:30:00.000Z" */
  ends_at: string;
}

export class MaintenanceWindowDto {
  /** @example "0d8e4f6a-2b1c-4d3e-9f80-7a6b5c4d3e2f" */
  id: string;
  /** @example "Weekly database maintenance" */
  name: string;
  @ApiProperty({ type: String, nullable: true })
  description: string | null;
  /** What it applies to: one endpoint, every endpoint with a tag, or every endpoint. */
  @ApiProperty({ enum: ['endpoint', 'tag', 'global'] })
  scope: 'endpoint' | 'tag' | 'global';
  @ApiProperty({ type: String, nullable: true })
  endpoint_id: string | null;
  @ApiProperty({ type: String, nullable: true })
  tag: string | null;
  @ApiProperty({ enum: ['one_off', 'recurring'] })
  kind: 'one_off' | 'recurring';
  /** One-off windows only. */
  @ApiProperty({ type: String, nullable: true })
  starts_at: string | null;
  @ApiProperty({ type: String, nullable: true })
  ends_at: string | null;
  /** Weekly windows only. */
  @ApiProperty({ type: RecurrenceDto, nullable: true })
  recurrence: RecurrenceDto | null;
  /** Whether the window is running now. */
  active_now: boolean;
  /** The occurrence running now, else the next one; null for a one-off window that has ended. */
  @ApiProperty({ type: OccurrenceDto, nullable: true })
  next_occurrence: OccurrenceDto | null;
  created_at: string;
  updated_at: string;
}

export class EndpointMaintenanceDto {
  endpoint_id: string;
  /** Whether a window for this endpoint, one of its tags, or every endpoint is running now. */
  in_maintenance: boolean;
  /** The windows running now. */
  @ApiProperty({ type: [MaintenanceWindowDto] })
  active_windows: MaintenanceWindowDto[];
  /** Windows that apply to this endpoint and have not ended, soonest first. */
  @ApiProperty({ type: [MaintenanceWindowDto] })
  upcoming_windows: MaintenanceWindowDto[];
}
