import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { Request } from 'express';
import type { CursorPagination } from '../envelope/page';
import { Page } from '../envelope/page';
import { CursorCodec } from './cursor-codec';
import { linkWith } from './page-links';
import { formatSort, type SortTerm } from './sort';

export interface KeysetColumn {
  /** Column expression in SQL, e.g. `k.created_at`. */
  sql: string;
  /** Reads the cursor value from an entity. */
  read: (row: any) => unknown;
}

export interface KeysetOptions<T extends ObjectLiteral> {
  qb: SelectQueryBuilder<T>;
  sort: SortTerm[];
  /** Maps each allowed sort field to its column; must include `id`, the unique tie-breaker. */
  columns: Record<string, KeysetColumn>;
  limit: number;
  cursor?: string;
  /** Filters in force, so a cursor cannot be reused with others. */
  filters: Record<string, unknown>;
  codec: CursorCodec;
  req: Pick<Request, 'originalUrl'>;
}

/**
 * Keyset (seek) pagination: rows after the cursor's sort values, with `id` as a final tie-breaker, so a
 * page is stable when rows are inserted concurrently (no skipped or repeated rows, unlike OFFSET).
 */
export async function keysetPage<T extends ObjectLiteral, R>(opts: KeysetOptions<T>, toDto: (row: T) => R): Promise<Page<R>> {
  const terms: SortTerm[] = [
    ...opts.sort.filter((t) => t.field !== 'id'),
    { field: 'id', direction: opts.sort.find((t) => t.field === 'id')?.direction ?? 'asc' },
  ];
  const query = JSON.stringify({ s: formatSort(terms), f: opts.filters });
  const qb = opts.qb;
  if (opts.cursor) {
    const { after } = opts.codec.decode(opts.cursor, query);
    // (a > x) OR (a = x AND b > y) OR ... : works for any mix of directions, unlike a row-value comparison.
    const ors: string[] = [];
    terms.forEach((term, i) => {
      const ands = terms.slice(0, i).map((t, j) => `${opts.columns[t.field].sql} = :k${j}`);
      ands.push(`${opts.columns[term.field].sql} ${term.direction === 'asc' ? '>' : '<'} :k${i}`);
      ors.push(`(${ands.join(' AND ')})`);
    });
    const params: Record<string, unknown> = {};
    terms.forEach((_t, i) => (params[`k${i}`] = after[i]));
    qb.andWhere(`(${ors.join(' OR ')})`, params);
  }
  terms.forEach((t, i) => {
    const dir = t.direction === 'asc' ? 'ASC' : 'DESC';
    if (i === 0) qb.orderBy(opts.columns[t.field].sql, dir);
    else qb.addOrderBy(opts.columns[t.field].sql, dir);
  });
  const rows = await qb.take(opts.limit + 1).getMany();
  const hasMore = rows.length > opts.limit;
  const pageRows = rows.slice(0, opts.limit);
  const last = pageRows[pageRows.length - 1];
  const nextCursor = hasMore && last ? opts.codec.encode({ after: terms.map((t) => serialise(opts.columns[t.field].read(last))), query }) : null;
  const pagination: CursorPagination = {
    limit: opts.limit,
    has_more: hasMore,
    next_cursor: nextCursor,
    links: { self: linkWith(opts.req, {}), next: nextCursor ? linkWith(opts.req, { cursor: nextCursor }) : null },
  };
  return new Page(pageRows.map(toDto), pagination);
}

function serialise(v: unknown): unknown {
  return v instanceof Date ? v.toISOString() : v;
}
