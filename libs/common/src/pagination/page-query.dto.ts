import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** v1 list query: offset pagination. */
export class OffsetPageQueryDto {
  /** Items per page (1..100). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number = 50;

  /** Items to skip. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number = 0;

  /** Sort terms, e.g. `name:asc,created_at:desc`. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  sort?: string;
}

/** v2 list query: cursor pagination. */
export class CursorPageQueryDto {
  /** Items per page (1..100). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number = 50;

  /** Opaque cursor from `pagination.next_cursor`. */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;

  /** Sort terms, e.g. `created_at:desc`. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  sort?: string;
}
