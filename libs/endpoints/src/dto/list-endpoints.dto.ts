import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { CursorPageQueryDto, OffsetPageQueryDto } from '@vigil/common';
import type { EndpointStatus } from '@vigil/events';
import { ENDPOINT_LIMITS as L, ENDPOINT_STATUSES } from '../endpoint-limits';

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

/** Sort fields of endpoint lists; `status` sorts by severity: down, degraded, pending, up, paused. */
export const ENDPOINT_SORT_FIELDS = ['name', 'created_at', 'status'] as const;

export class EndpointFilterDto {
  /** Only endpoints carrying this tag. */
  @IsOptional()
  @Transform(lower)
  @IsString()
  @MaxLength(L.tagMaxLength)
  tag?: string;

  /** true: only active endpoints; false: only paused ones. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ enum: ENDPOINT_STATUSES })
  @IsOptional()
  @IsIn(ENDPOINT_STATUSES)
  status?: EndpointStatus;

  /** Case-insensitive text found in the name or the URL. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;
}

export class ListEndpointsV1QueryDto extends IntersectionType(OffsetPageQueryDto, EndpointFilterDto) {}

export class ListEndpointsV2QueryDto extends IntersectionType(CursorPageQueryDto, EndpointFilterDto) {}

export class EndpointSummaryQueryDto {
  /** Count only endpoints carrying this tag (and list only that tag). */
  @IsOptional()
  @Transform(lower)
  @IsString()
  @MaxLength(L.tagMaxLength)
  tag?: string;
}
