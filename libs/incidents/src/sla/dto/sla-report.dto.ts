import { ApiProperty } from '@nestjs/swagger';
import { IncidentDto } from '../../incidents/dto/incident.dto';

export class SlaPeriodDto {
  /** @example "2026-11" */
  month: string;
  /** Start of the month (UTC). @example "2026-11-01T00:00:00.000Z" */
  from: string;
  /** End of the month (exclusive). @example "2026-12-01T00:00:00.000Z" */
  to: string;
  /** Counted up to: the end of the month, or now for the current month. */
  until: string;
  /** Whether the month is over. */
  complete: boolean;
  /** @example 2592000 */
  month_seconds: number;
}

export class SlaChecksDto {
  /** Stored checks in the month. */
  total: number;
  /** Checks inside maintenance windows (left out). */
  in_maintenance: number;
  /** total − in_maintenance. */
  counted: number;
  /** Successful counted checks, after retries or not. */
  good: number;
  failed: number;
  /** Checks that succeeded only after retries (maintenance included). */
  succeeded_after_retries: number;
}

export class SlaErrorBudgetDto {
  /** (100 − target) % of the month. @example 2592 */
  allowed_downtime_s: number;
  allowed_downtime_min: number;
  used_downtime_s: number;
  used_downtime_min: number;
  /** Negative when the budget is overspent. */
  remaining_downtime_s: number;
  remaining_downtime_min: number;
  /** Share of the budget left (100 unused, negative overspent); null for a 100 % target. */
  @ApiProperty({ type: Number, nullable: true })
  remaining_pct: number | null;
}

export class SlaIncidentsDto {
  /** Incidents overlapping the month. */
  count: number;
  /** Of those, still open. */
  open: number;
  /** Their time inside the month, in seconds (overlaps between endpoints add up). */
  duration_s: number;
  /** The newest 100. */
  @ApiProperty({ type: [IncidentDto] })
  items: IncidentDto[];
  items_truncated: boolean;
}

export class SlaPolicyDto {
  basis: string;
  month: string;
  counted_checks: string;
  maintenance: string;
  degraded: string;
  failed_check: string;
  achieved_uptime: string;
  used_downtime: string;
  allowed_downtime: string;
  incidents: string;
  /** Tag reports: how endpoints are combined. */
  aggregation?: string;
}

/** The SLA figures of one endpoint or one tag. */
export class SlaFiguresDto {
  /** @example 99.9 */
  target_pct: number;
  period: SlaPeriodDto;
  checks: SlaChecksDto;
  /** good / counted × 100; null when no check counted. */
  @ApiProperty({ type: Number, nullable: true, example: 99.95 })
  achieved_uptime_pct: number | null;
  /** achieved ≥ target; null when nothing was measured. */
  @ApiProperty({ type: Boolean, nullable: true })
  met: boolean | null;
  /** Start of the first checked hour of the month (or the month's start). */
  @ApiProperty({ type: String, nullable: true })
  observed_from: string | null;
  observed_seconds: number;
  error_budget: SlaErrorBudgetDto;
  incidents: SlaIncidentsDto;
  policy: SlaPolicyDto;
}

export class EndpointSlaDto extends SlaFiguresDto {
  endpoint_id: string;
  endpoint_name: string;
}

export class TagSlaEndpointDto {
  endpoint_id: string;
  endpoint_name: string;
  @ApiProperty({ type: Number, nullable: true })
  achieved_uptime_pct: number | null;
  @ApiProperty({ type: Boolean, nullable: true })
  met: boolean | null;
  counted_checks: number;
  failed_checks: number;
  used_downtime_s: number;
}

export class TagSlaDto extends SlaFiguresDto {
  /** @example "prod" */
  tag: string;
  /** Each endpoint carrying the tag now, lowest uptime first. */
  @ApiProperty({ type: [TagSlaEndpointDto] })
  endpoints: TagSlaEndpointDto[];
}
