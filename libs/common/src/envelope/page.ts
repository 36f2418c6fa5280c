/** Offset pagination block (v1). */
export interface OffsetPagination {
  page: number;
  per_page: number;
  total: number;
  total_pages: number;
  has_next: boolean;
  has_prev: boolean;
  links: { first: string; prev: string | null; self: string; next: string | null; last: string };
}

/** Cursor pagination block (v2). */
export interface CursorPagination {
  limit: number;
  has_more: boolean;
  next_cursor: string | null;
  links: { self: string; next: string | null };
}

/** What a list handler returns; the envelope interceptor splits it into data and pagination. */
export class Page<T> {
  constructor(
    readonly items: T[],
    readonly pagination: OffsetPagination | CursorPagination,
  ) {}
}
