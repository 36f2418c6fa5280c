import type { Request } from 'express';
import type { OffsetPagination } from '../envelope/page';
import { linkWith } from './page-links';

/** Builds the v1 pagination block (page numbers, totals and relative links carrying the same filters). */
export function offsetPagination(req: Pick<Request, 'originalUrl'>, total: number, limit: number, offset: number): OffsetPagination {
  const totalPages = Math.max(1, Math.ceil(total / limit));
  const page = Math.floor(offset / limit) + 1;
  const hasNext = offset + limit < total;
  const hasPrev = offset > 0;
  const at = (o: number) => linkWith(req, { limit, offset: o });
  return {
    page,
    per_page: limit,
    total,
    total_pages: totalPages,
    has_next: hasNext,
    has_prev: hasPrev,
    links: {
      first: at(0),
      prev: hasPrev ? at(Math.max(0, offset - limit)) : null,
      self: at(offset),
      next: hasNext ? at(offset + limit) : null,
      last: at((totalPages - 1) * limit),
    },
  };
}
