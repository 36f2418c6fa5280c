import { IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { CursorPageQueryDto, IsInstant, OffsetPageQueryDto } from '@vigil/common';

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export const INCIDENT_SORT_FIELDS = ['started_at'] as const;

export class IncidentFilterDto {
  /** Incidents of this endpoint. */
  @IsOptional()
  @IsUUID('all')
  endpoint_id?: string;

  /** true: open incidents only; false: resolved ones only. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  open?: boolean;

  /** Incidents still open at or after this instant (resolved at or after it, or open). @example "2026-11-01T00:00:00Z" */
  @IsOptional()
  @IsInstant()
  from?: string;

  /** Incidents that started at or before this instant; not before `from`. @example "2026-12-01T00:00:00Z" */
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class ListIncidentsV1QueryDto extends IntersectionType(OffsetPageQueryDto, IncidentFilterDto) {}

export class ListIncidentsV2QueryDto extends IntersectionType(CursorPageQueryDto, IncidentFilterDto) {}
