import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestStack } from '../support/test-app';

interface KeyItem {
  id: string;
  name: string;
  role: string;
  created_at: string;
}

const VIEWERS = 7;
const OPERATORS = 4;

describe('pagination of GET /auth/keys', () => {
  let stack: TestStack;
  let viewerIds: string[];

  const get = (url: string) => stack.api.http.get(url).set('X-API-Key', ADMIN_KEY);

  /** Every key through v1 in one page, in the order of `sort`: the reference the other walks are compared with. */
  async function allKeys(query: string): Promise<KeyItem[]> {
    const res = await get(`/api/v1/auth/keys?limit=100&${query}`);
    expect(res.status).toBe(200);
    expect(res.body.pagination.total).toBeLessThanOrEqual(100);
    return res.body.data;
  }

  /** Follows v2 next_cursor from `first` to the end; returns every page. */
  async function walkCursor(first: string): Promise<Array<{ data: KeyItem[]; pagination: any }>> {
    const pages: Array<{ data: KeyItem[]; pagination: any }> = [];
    let url: string | null = first;
    while (url) {
      const res = await get(url);
      expect(res.status).toBe(200);
      pages.push({ data: expectEnvelope(res.body, '2'), pagination: res.body.pagination });
      url = res.body.pagination.links.next;
      expect(pages.length).toBeLessThan(50);
    }
    return pages;
  }

  beforeAll(async () => {
    stack = await startTestStack();
    viewerIds = [];
    // One at a time, a few ms apart, so created_at (millisecond precision) follows creation order without ties.
    for (let i = 0; i < VIEWERS; i++) {
      viewerIds.push((await stack.createKey('viewer')).id);
      await new Promise((r) => setTimeout(r, 3));
    }
    for (let i = 0; i < OPERATORS; i++) await stack.createKey('operator');
  });
  afterAll(() => stack?.close());

  describe('v1 (offset)', () => {
    it('describes the first page: page, per_page, total, total_pages, has_next/has_prev and links carrying the filter', async () => {
      const res = await get('/api/v1/auth/keys?role=viewer&limit=3');
      expect(res.status).toBe(200);
      const data = expectEnvelope(res.body, '1');
      expect(data).toHaveLength(3);
      expect(data.every((k: KeyItem) => k.role === 'viewer')).toBe(true);
      expect(res.body.pagination).toEqual({
        page: 1,
        per_page: 3,
        total: VIEWERS,
        total_pages: 3,
        has_next: true,
        has_prev: false,
        links: {
          first: '/api/v1/auth/keys?role=viewer&limit=3&offset=0',
          prev: null,
          self: '/api/v1/auth/keys?role=viewer&limit=3&offset=0',
          next: '/api/v1/auth/keys?role=viewer&limit=3&offset=3',
          last: '/api/v1/auth/keys?role=viewer&limit=3&offset=6',
        },
      });
    });

    it('follows next links to the last page and sees every filtered key exactly once', async () => {
      const seen: string[] = [];
      const pages: any[] = [];
      let url: string | null = '/api/v1/auth/keys?role=viewer&limit=3&sort=created_at:asc';
      while (url) {
        const res = await get(url);
        expect(res.status).toBe(200);
        pages.push(res.body.pagination);
        seen.push(...res.body.data.map((k: KeyItem) => k.id));
        url = res.body.pagination.links.next;
        expect(pages.length).toBeLessThan(10);
      }
      expect(seen).toEqual(viewerIds);
      expect(pages.map((p) => [p.page, p.has_prev, p.has_next])).toEqual([
        [1, false, true],
        [2, true, true],
        [3, true, false],
      ]);
      const middle = pages[1];
      expect(middle.links.prev).toBe(middle.links.first);
      const last = pages[2];
      expect(last.links).toMatchObject({ next: null, self: last.links.last });
      for (const p of pages)
        for (const link of Object.values(p.links).filter(Boolean))
          expect(link).toMatch(/^\/api\/v1\/auth\/keys\?role=viewer&limit=3&sort=created_at%3Aasc&offset=\d+$/);
    });

    it('defaults to 50 per page, newest first', async () => {
      const res = await get('/api/v1/auth/keys');
      expect(res.body.pagination).toMatchObject({
        page: 1,
        per_page: 50,
        has_prev: false,
        has_next: false,
        links: { self: '/api/v1/auth/keys?limit=50&offset=0' },
      });
      const created = res.body.data.map((k: KeyItem) => k.created_at);
      expect(created).toEqual([...created].sort().reverse());
    });

    it('sorts by the given field and direction', async () => {
      const res = await get('/api/v1/auth/keys?sort=name:desc');
      const names = res.body.data.map((k: KeyItem) => k.name);
      expect(names).toEqual([...names].sort((a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0)));
    });

    it('answers an empty filtered list with 200 and data: []', async () => {
      const res = await get('/api/v1/auth/keys?active=false');
      expect(res.status).toBe(200);
      expect(expectEnvelope(res.body)).toEqual([]);
      expect(res.body.pagination).toMatchObject({ page: 1, total: 0, total_pages: 1, has_next: false, has_prev: false, links: { prev: null, next: null } });
      expect(res.body.pagination.links.self).toBe('/api/v1/auth/keys?active=false&limit=50&offset=0');
    });

    it('answers an offset past the end with 200, data: [] and the real total', async () => {
      const res = await get('/api/v1/auth/keys?role=viewer&offset=100');
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([]);
      expect(res.body.pagination).toMatchObject({ total: VIEWERS, has_next: false, has_prev: true, links: { next: null } });
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['offset=-1', 'offset'],
      // Past Number.MAX_SAFE_INTEGER: these reached PostgreSQL (422 'A value was rejected by the database').
      ['offset=9223372036854775808', 'offset'],
      ['offset=1e21', 'offset'],
      ['role=boss', 'role'],
      ['cursor=abc', 'cursor'],
    ])('refuses ?%s with 400 VAL_INVALID_QUERY naming %s', async (query, field) => {
      const error = expectError(await get(`/api/v1/auth/keys?${query}`), 400, 'VAL_INVALID_QUERY');
      expect(error.details.map((d: { field: string }) => d.field)).toEqual([field]);
    });
  });

  describe('v2 (cursor)', () => {
    it('walks every key exactly once, in order, following next_cursor', async () => {
      const expected = (await allKeys('sort=created_at:asc')).map((k) => k.id);
      expect(expected.length).toBeGreaterThanOrEqual(VIEWERS + OPERATORS + 1);
      const pages = await walkCursor('/api/v2/auth/keys?limit=4&sort=created_at:asc');
      expect(pages.flatMap((p) => p.data.map((k) => k.id))).toEqual(expected);
      expect(pages.length).toBe(Math.ceil(expected.length / 4));

      for (const [i, { data, pagination }] of pages.entries()) {
        const isLast = i === pages.length - 1;
        expect(Object.keys(pagination).sort()).toEqual(['has_more', 'limit', 'links', 'next_cursor']);
        expect(pagination.limit).toBe(4);
        expect(pagination.has_more).toBe(!isLast);
        if (!isLast) {
          expect(data).toHaveLength(4);
          expect(typeof pagination.next_cursor).toBe('string');
          expect(pagination.links.next).toBe(`/api/v2/auth/keys?limit=4&sort=created_at%3Aasc&cursor=${pagination.next_cursor}`);
        } else {
          expect(pagination).toMatchObject({ has_more: false, next_cursor: null, links: { next: null } });
        }
      }
      expect(decodeURIComponent(pages[0].pagination.links.self)).toBe('/api/v2/auth/keys?limit=4&sort=created_at:asc');
    });

    it('walks a filtered list in the default order (newest first)', async () => {
      const pages = await walkCursor('/api/v2/auth/keys?role=viewer&limit=2');
      expect(pages.flatMap((p) => p.data.map((k) => k.id))).toEqual([...viewerIds].reverse());
      for (const p of pages) if (p.pagination.links.next) expect(p.pagination.links.next).toContain('role=viewer');
    });

    it('walks name order with ties broken consistently', async () => {
      const expected = (await allKeys('sort=name:asc,id:asc')).map((k) => k.id);
      const pages = await walkCursor('/api/v2/auth/keys?limit=3&sort=name:asc');
      expect(pages.flatMap((p) => p.data.map((k) => k.id))).toEqual(expected);
    });

    it('answers an empty filtered list with 200, data: [] and no cursor', async () => {
      const res = await get('/api/v2/auth/keys?active=false');
      expect(res.status).toBe(200);
      expect(expectEnvelope(res.body, '2')).toEqual([]);
      expect(res.body.pagination).toEqual({ limit: 50, has_more: false, next_cursor: null, links: { self: '/api/v2/auth/keys?active=false', next: null } });
    });

    it('refuses a cursor altered by one character with 400 VAL_INVALID_CURSOR', async () => {
      const first = await get('/api/v2/auth/keys?limit=2&sort=created_at:asc');
      const cursor: string = first.body.pagination.next_cursor;
      expect(typeof cursor).toBe('string');
      for (const i of [0, Math.floor(cursor.length / 2), cursor.length - 1]) {
        const altered = cursor.slice(0, i) + (cursor[i] === 'A' ? 'B' : 'A') + cursor.slice(i + 1);
        const res = await get(`/api/v2/auth/keys?limit=2&sort=created_at:asc&cursor=${encodeURIComponent(altered)}`);
        const error = expectError(res, 400, 'VAL_INVALID_CURSOR');
        expect(error.details).toEqual([expect.objectContaining({ field: 'cursor' })]);
      }
      // Something appended after another '.' was ignored, so an altered cursor still passed.
      for (const appended of [`${cursor}.x`, `${cursor}.`, `${cursor}.${cursor}`]) {
        const res = await get(`/api/v2/auth/keys?limit=2&sort=created_at:asc&cursor=${encodeURIComponent(appended)}`);
        expectError(res, 400, 'VAL_INVALID_CURSOR');
      }
      // The unaltered cursor still works.
      expect((await get(`/api/v2/auth/keys?limit=2&sort=created_at:asc&cursor=${cursor}`)).status).toBe(200);
    });

    it('refuses a cursor reused with another sort or another filter with 400 VAL_INVALID_CURSOR', async () => {
      const first = await get('/api/v2/auth/keys?limit=2&sort=created_at:asc&role=viewer');
      const cursor: string = first.body.pagination.next_cursor;
      expectError(await get(`/api/v2/auth/keys?limit=2&sort=created_at:desc&role=viewer&cursor=${cursor}`), 400, 'VAL_INVALID_CURSOR');
      expectError(await get(`/api/v2/auth/keys?limit=2&sort=name:asc&role=viewer&cursor=${cursor}`), 400, 'VAL_INVALID_CURSOR');
      expectError(await get(`/api/v2/auth/keys?limit=2&sort=created_at:asc&role=operator&cursor=${cursor}`), 400, 'VAL_INVALID_CURSOR');
      expectError(await get(`/api/v2/auth/keys?limit=2&sort=created_at:asc&cursor=${cursor}`), 400, 'VAL_INVALID_CURSOR');
      expectError(await get(`/api/v2/auth/keys?limit=2&sort=created_at:asc&role=viewer&active=true&cursor=${cursor}`), 400, 'VAL_INVALID_CURSOR');
      expect((await get(`/api/v2/auth/keys?limit=2&sort=created_at:asc&role=viewer&cursor=${cursor}`)).status).toBe(200);
    });

    it.each([
      ['sort=last_used_at:asc', 'sort'],
      ['offset=10', 'offset'],
      ['limit=101', 'limit'],
    ])('refuses ?%s with 400 VAL_INVALID_QUERY naming %s', async (query, field) => {
      const error = expectError(await get(`/api/v2/auth/keys?${query}`), 400, 'VAL_INVALID_QUERY');
      expect(error.details.map((d: { field: string }) => d.field)).toEqual([field]);
    });

    it('is stable under inserts for created_at:asc: no duplicates and no pre-existing key skipped', async () => {
      const before = (await allKeys('sort=created_at:asc')).map((k) => k.id);
      const first = await get('/api/v2/auth/keys?limit=5&sort=created_at:asc');
      const seen: string[] = first.body.data.map((k: KeyItem) => k.id);
      const inserted: string[] = [];
      for (let i = 0; i < 3; i++) inserted.push((await stack.createKey('operator')).id);

      const rest = await walkCursor(first.body.pagination.links.next);
      seen.push(...rest.flatMap((p) => p.data.map((k) => k.id)));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual([...before, ...inserted]);
    });

    it('is stable under inserts for newest-first: keys inserted ahead of the cursor neither repeat nor push others out', async () => {
      const before = (await allKeys('sort=created_at:desc')).map((k) => k.id);
      const first = await get('/api/v2/auth/keys?limit=5&sort=created_at:desc');
      const seen: string[] = first.body.data.map((k: KeyItem) => k.id);
      for (let i = 0; i < 3; i++) await stack.createKey('operator');

      const rest = await walkCursor(first.body.pagination.links.next);
      seen.push(...rest.flatMap((p) => p.data.map((k) => k.id)));
      expect(seen).toEqual(before);
    });
  });
});
