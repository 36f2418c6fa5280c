import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { OffsetPageQueryDto } from '@vigil/common';

const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export const WINDOW_SORT_FIELDS = ['created_at', 'name', 'starts_at'] as const;

export class MaintenanceWindowFilterDto {
  /** Windows that apply to this endpoint: its own, its tags' and global ones. */
  @IsOptional()
  @IsUUID('all')
  endpoint_id?: string;

  /** Windows scoped to this tag. */
  @IsOptional()
  @Transform(lower)
  @IsString()
  @MaxLength(50)
  tag?: string;

  @ApiPropertyOptional({ enum: ['endpoint', 'tag', 'global'] })
  @IsOptional()
  @IsIn(['endpoint', 'tag', 'global'])
  scope?: 'endpoint' | 'tag' | 'global';

  @ApiPropertyOptional({ enum: ['one_off', 'recurring'] })
  @IsOptional()
  @IsIn(['one_off', 'recurring'])
  kind?: 'one_off' | 'recurring';
}

export class ListMaintenanceWindowsQueryDto extends IntersectionType(OffsetPageQueryDto, MaintenanceWindowFilterDto) {}
