import { ApiProperty } from '@nestjs/swagger';
import { ENDPOINT_STATUS_VALUES } from './endpoint-status-values';

/** Response times of the successful checks, in ms; percentiles within `percentile_relative_error` of the exact ones. */
export class ResponseTimeStatsDto {
  @ApiProperty({ type: Number, nullable: true, example: 38 })
  min: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 61.42 })
  avg: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 1204 })
  max: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 52.49 })
  p50: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 118.57 })
  p95: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 240.1 })
  p99: number | null;
}

export class UptimeCountsDto {
  /** Checks stored in the window (scheduled and manual). @example 1440 */
  checks: number;
  /** @example 1438 */
  successes: number;
  /** @example 2 */
  failures: number;
  /** Successes that needed a retry. @example 3 */
  retried_successes: number;
  /** Checks that ran inside a maintenance window (counted in checks too). @example 0 */
  maintenance_checks: number;
  /** Percentage of successful checks (4 decimals); null without checks. */
  @ApiProperty({ type: Number, nullable: true, example: 99.8611 })
  uptime: number | null;
  response_time: ResponseTimeStatsDto;
}

export class UptimeBucketDto extends UptimeCountsDto {
  /** Start of the UTC minute, hour or day; later where the window starts inside it (the first bucket). @example "2026-11-24T10:00:00.000Z" */
  start: string;
  /** End, exclusive; earlier than the unit's end where the window ends inside it (the last bucket). @example "2026-11-24T11:00:00.000Z" */
  end: string;
}

export class UptimeSeriesDto {
  /** @example "6a1f0d2e-3b4c-4d5e-8f90-123456789abc" */
  endpoint_id: string;
  @ApiProperty({ enum: ['minute', 'hour', 'day'], example: 'hour' })
  granularity: string;
  /** The window answered: the requested instants truncated to the minute (a window reaching past now ends at the current minute). @example "2026-11-23T00:00:00.000Z" */
  from: string;
  /** Exclusive. @example "2026-11-24T00:00:00.000Z" */
  to: string;
  /** Bound on the relative error of every percentile (counts are exact). @example 0.02 */
  percentile_relative_error: number;
  /** Every bucket of the window in time order, empty ones included (the first and last may be partial). */
  @ApiProperty({ type: [UptimeBucketDto] })
  buckets: UptimeBucketDto[];
  /** The whole window. */
  total: UptimeCountsDto;
}

export class UptimeListItemDto extends UptimeCountsDto {
  /** @example "6a1f0d2e-3b4c-4d5e-8f90-123456789abc" */
  endpoint_id: string;
  /** @example "Payments API" */
  name: string;
  @ApiProperty({ enum: [...ENDPOINT_STATUS_VALUES], example: 'up' })
  status: string;
}

export class UptimeStatsV1Dto {
  /** @example "6a1f0d2e-3b4c-4d5e-8f90-123456789abc" */
  endpoint_id: string;
  /** @example "Payments API" */
  endpoint_name: string;
  @ApiProperty({ enum: ['24h', '7d', '30d'], example: '7d' })
  period: string;
  /** Window start (whole minute). @example "2026-11-17T10:31:00.000Z" */
  from: string;
  /** Window end, exclusive: the end of the current minute. @example "2026-11-24T10:31:00.000Z" */
  to: string;
  /** Null without checks. */
  @ApiProperty({ type: Number, nullable: true, example: 99.85 })
  uptime_percentage: number | null;
  /** @example 10080 */
  total_checks: number;
  /** @example 10065 */
  successful_checks: number;
  /** @example 15 */
  failed_checks: number;
  /** Mean response time of successful checks, ms. */
  @ApiProperty({ type: Number, nullable: true, example: 61.42 })
  average_response_time: number | null;
  /** When the endpoint was last checked (any time, not only in the period). */
  @ApiProperty({ type: String, nullable: true, example: '2026-11-24T10:30:00.012Z' })
  last_check: string | null;
  response_time: ResponseTimeStatsDto;
  /** Bound on the relative error of the percentiles. @example 0.02 */
  percentile_relative_error: number;
}

export class EndpointStatusCountsDto {
  /** @example 12 */
  total: number;
  /** @example 9 */
  up: number;
  /** @example 1 */
  down: number;
  /** @example 1 */
  degraded: number;
  /** @example 1 */
  paused: number;
  /** @example 0 */
  pending: number;
}

export class SlowEndpointDto {
  /** @example "6a1f0d2e-3b4c-4d5e-8f90-123456789abc" */
  endpoint_id: string;
  /** @example "Search API" */
  name: string;
  @ApiProperty({ enum: [...ENDPOINT_STATUS_VALUES], example: 'up' })
  status: string;
  /** Successful checks in the last 24 hours. @example 1440 */
  successes: number;
  /** @example 912.4 */
  p95: number;
  /** @example 402.17 */
  avg: number;
}

export class StatsSummaryDto {
  endpoints: EndpointStatusCountsDto;
  /** The 24 hours the figures below cover. @example "2026-11-23T10:31:00.000Z" */
  from: string;
  /** @example "2026-11-24T10:31:00.000Z" */
  to: string;
  /** Successful checks over all checks of every endpoint in the last 24 hours, %; null without checks. */
  @ApiProperty({ type: Number, nullable: true, example: 99.9712 })
  overall_uptime_24h: number | null;
  /** @example 17280 */
  checks_24h: number;
  /** Incidents not resolved yet. @example 1 */
  open_incidents: number;
  /** Up to 5 endpoints with the highest p95 response time over the last 24 hours (then by mean). */
  @ApiProperty({ type: [SlowEndpointDto] })
  slowest_endpoints: SlowEndpointDto[];
}
