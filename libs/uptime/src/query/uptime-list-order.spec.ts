import { keysetSlice, type ListOrder } from './uptime-list-order';

interface Row {
  id: string;
  name: string;
  uptime: number | null;
}

const rows: Row[] = [
  { id: 'e', name: 'echo', uptime: 99.5 },
  { id: 'a', name: 'alpha', uptime: null },
  { id: 'c', name: 'charlie', uptime: 100 },
  { id: 'b', name: 'bravo', uptime: 99.5 },
  { id: 'd', name: 'delta', uptime: 12.25 },
  { id: 'f', name: 'foxtrot', uptime: null },
];

const order = (direction: 'asc' | 'desc', field: 'uptime' | 'name' = 'uptime'): ListOrder<Row> => ({
  terms: [{ field, direction }],
  value: (r, f) => (f === 'uptime' ? r.uptime : r.name),
  id: (r) => r.id,
});

/** Walks every page the way a client does, with the last item's key as the cursor. */
function walk(o: ListOrder<Row>, limit: number): string[][] {
  const pages: string[][] = [];
  let after: unknown[] | undefined;
  for (;;) {
    const { page, hasMore, last } = keysetSlice(rows, o, limit, after);
    pages.push(page.map((r) => r.id));
    if (!hasMore) return pages;
    after = [...o.terms.map((t) => o.value(last!, t.field)), last!.id];
  }
}

describe('keysetSlice', () => {
  it('sorts by the term, then by id, with items without a value last in both directions', () => {
    expect(walk(order('asc'), 10)).toEqual([['d', 'b', 'e', 'c', 'a', 'f']]);
    expect(walk(order('desc'), 10)).toEqual([['c', 'b', 'e', 'd', 'a', 'f']]);
  });

  it('pages through every item exactly once, ties and nulls included, for any page size', () => {
    for (const limit of [1, 2, 4, 5]) {
      expect(walk(order('asc'), limit).flat()).toEqual(['d', 'b', 'e', 'c', 'a', 'f']);
      expect(walk(order('desc', 'name'), limit).flat()).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
    }
    expect(walk(order('asc'), 2)).toEqual([
      ['d', 'b'],
      ['e', 'c'],
      ['a', 'f'],
    ]);
  });

  it('answers an empty page with no more after the last item', () => {
    expect(keysetSlice(rows, order('asc'), 3, [null, 'f'])).toEqual({ page: [], hasMore: false, last: undefined });
    expect(keysetSlice([], order('asc'), 3)).toEqual({ page: [], hasMore: false, last: undefined });
  });
});
