import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';

export interface SortTerm {
  field: string;
  direction: 'asc' | 'desc';
}

const TERM = /^([a-z_][a-z0-9_]*)(?::(asc|desc))?$/i;

/**
 * Parses `?sort=name:asc,created_at:desc` against the fields a route allows. An unknown field or a
 * malformed term is a VAL_INVALID_QUERY error, never silently ignored.
 */
export function parseSort(sort: string | undefined, allowed: readonly string[], fallback: SortTerm[]): SortTerm[] {
  if (sort === undefined || sort.trim() === '') return fallback;
  const terms: SortTerm[] = [];
  for (const raw of sort.split(',')) {
    const m = TERM.exec(raw.trim());
    if (!m || !allowed.includes(m[1])) {
      throw new AppError(ErrorCode.VAL_INVALID_QUERY, 'Invalid sort parameter', [
        { field: 'sort', message: `sort field must be one of: ${allowed.join(', ')} (optionally :asc or :desc)`, value: raw.trim() },
      ]);
    }
    if (terms.some((t) => t.field === m[1])) {
      throw new AppError(ErrorCode.VAL_INVALID_QUERY, 'Invalid sort parameter', [{ field: 'sort', message: `${m[1]} appears twice`, value: sort }]);
    }
    terms.push({ field: m[1], direction: (m[2]?.toLowerCase() as 'asc' | 'desc') ?? 'asc' });
  }
  return terms;
}

export function formatSort(terms: SortTerm[]): string {
  return terms.map((t) => `${t.field}:${t.direction}`).join(',');
}
