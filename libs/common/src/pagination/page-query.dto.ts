import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** What both pagination styles take: a page size and sort terms. */
class PageQueryDto {
  /** Items per page (1..100). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number = 50;

  /** Sort terms, e.g. `name:asc,created_at:desc`. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  sort?: string;
}

/** v1 list query: offset pagination. */
export class OffsetPageQueryDto extends PageQueryDto {
  /** Items to skip. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  // Beyond this a number is no longer exact, and PostgreSQL refuses an OFFSET past 2^63 (it was a 422 from the database).
  @Max(Number.MAX_SAFE_INTEGER)
  offset?: number = 0;
}

/** v2 list query: cursor pagination. */
export class CursorPageQueryDto extends PageQueryDto {
  /** Opaque cursor from `pagination.next_cursor`. */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}
