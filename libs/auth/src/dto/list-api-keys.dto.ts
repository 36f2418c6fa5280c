import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { CursorPageQueryDto, OffsetPageQueryDto, type Role } from '@vigil/common';

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export const API_KEY_SORT_FIELDS = ['created_at', 'name', 'last_used_at', 'id'] as const;

export class ApiKeyFilterDto {
  @ApiPropertyOptional({ enum: ['admin', 'operator', 'viewer'] })
  @IsOptional()
  @IsIn(['admin', 'operator', 'viewer'])
  role?: Role;

  /** true: only keys that work now; false: only revoked or expired ones. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  active?: boolean;
}

export class ListApiKeysV1QueryDto extends IntersectionType(OffsetPageQueryDto, ApiKeyFilterDto) {}

export class ListApiKeysV2QueryDto extends IntersectionType(CursorPageQueryDto, ApiKeyFilterDto) {}
