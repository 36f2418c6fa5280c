import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { CursorPageQueryDto, IsInstant, OffsetPageQueryDto } from '@vigil/common';
import { ROLLUP_UNITS, type RollupUnit } from '../rollups/rollup-units';
import { UPTIME_PERIODS, type UptimePeriod } from '../query/uptime-window';

const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

/** Sort fields of GET /api/v2/uptime: `uptime` (percentage), `p99` (ms) and `name`; endpoints without data sort last. */
export const UPTIME_LIST_SORT_FIELDS = ['uptime', 'p99', 'name'] as const;

export class UptimePeriodQueryDto {
  /** The period up to now (to the end of the current minute). */
  @ApiPropertyOptional({ enum: UPTIME_PERIODS, default: '24h' })
  @IsOptional()
  @IsIn(UPTIME_PERIODS)
  period?: UptimePeriod;
}

export class UptimeWindowQueryDto {
  /** Window start (ISO 8601), truncated to the minute; default: 24 hours before `to`. @example "2026-11-01T00:00:00Z" */
  @IsOptional()
  @IsInstant()
  from?: string;

  /** Window end, exclusive (ISO 8601), truncated to the minute; default: the end of the current minute. @example "2026-11-24T00:00:00Z" */
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class UptimeSeriesQueryDto extends UptimeWindowQueryDto {
  /** Bucket size of the series (UTC minutes, hours or days). */
  @ApiPropertyOptional({ enum: ROLLUP_UNITS, default: 'hour' })
  @IsOptional()
  @IsIn(ROLLUP_UNITS)
  granularity?: RollupUnit;
}

export class UptimeListQueryDto extends IntersectionType(CursorPageQueryDto, UptimeWindowQueryDto) {
  /** Only endpoints carrying this tag. */
  @IsOptional()
  @Transform(lower)
  @IsString()
  @MaxLength(50)
  tag?: string;
}

export class StatsHistoryQueryDto extends OffsetPageQueryDto {
  /** Checks at or after this instant (ISO 8601; a date alone is its UTC midnight). @example "2026-11-23" */
  @IsOptional()
  @IsInstant()
  from_date?: string;

  /** Checks at or before this instant (ISO 8601; a date alone covers that whole UTC day). @example "2026-11-24" */
  @IsOptional()
  @IsInstant()
  to_date?: string;
}
