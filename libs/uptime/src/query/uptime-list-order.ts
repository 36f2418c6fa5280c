import type { SortTerm } from '@vigil/common';

export type SortValue = string | number | null;

/** How a computed list is sorted: its sort terms, each term's value, and the unique id that breaks ties. */
export interface ListOrder<T> {
  terms: SortTerm[];
  value(item: T, field: string): SortValue;
  id(item: T): string;
}

/** Nulls sort last whatever the direction: endpoints without data go to the end of every order. */
function compareValues(a: SortValue, b: SortValue, direction: SortTerm['direction']): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const c = a < b ? -1 : a > b ? 1 : 0;
  return direction === 'asc' ? c : -c;
}

/** A total order on [...term values, id] keys. */
function compareKeys(a: SortValue[], b: SortValue[], terms: SortTerm[]): number {
  for (let i = 0; i < terms.length; i++) {
    const c = compareValues(a[i], b[i], terms[i].direction);
    if (c !== 0) return c;
  }
  return compareValues(a[terms.length], b[terms.length], 'asc');
}

/**
 * Keyset pagination over a list computed in memory (its sort values come from aggregates, not columns):
 * the items strictly after the cursor's key in the total order, up to `limit`. Like keysetPage, a page
 * never repeats or skips an item whose sort values did not change between requests.
 */
export function keysetSlice<T>(items: T[], order: ListOrder<T>, limit: number, after?: unknown[]): { page: T[]; hasMore: boolean; last: T | undefined } {
  const keyOf = (item: T): SortValue[] => [...order.terms.map((t) => order.value(item, t.field)), order.id(item)];
  const keyed = items.map((item) => ({ item, key: keyOf(item) })).sort((a, b) => compareKeys(a.key, b.key, order.terms));
  const start = after ? keyed.filter((k) => compareKeys(k.key, after as SortValue[], order.terms) > 0) : keyed;
  const page = start.slice(0, limit).map((k) => k.item);
  return { page, hasMore: start.length > limit, last: page[page.length - 1] };
}
