import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { CursorPageQueryDto, IsInstant, OffsetPageQueryDto } from '@vigil/common';
import { FAILURE_REASONS, type FailureReason } from '../check-types';

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export const CHECK_RESULT_SORT_FIELDS = ['checked_at'] as const;

export class CheckResultFilterDto {
  /** Results checked at or after this instant (ISO 8601). @example "2026-11-24T00:00:00Z" */
  @IsOptional()
  @IsInstant()
  from?: string;

  /** Results checked at or before this instant (ISO 8601); not before `from`. @example "2026-11-25T00:00:00Z" */
  @IsOptional()
  @IsInstant()
  to?: string;

  /** true: successful checks only; false: failed ones only. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  success?: boolean;

  @ApiPropertyOptional({ enum: FAILURE_REASONS })
  @IsOptional()
  @IsIn(FAILURE_REASONS)
  reason?: FailureReason;
}

export class ListCheckResultsV1QueryDto extends IntersectionType(OffsetPageQueryDto, CheckResultFilterDto) {}

export class ListCheckResultsV2QueryDto extends IntersectionType(CursorPageQueryDto, CheckResultFilterDto) {}
