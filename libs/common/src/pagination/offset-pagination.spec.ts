import { offsetPagination } from './offset-pagination';

const req = (originalUrl: string) => ({ originalUrl });

describe('offsetPagination', () => {
  it('describes the first of several pages with links carrying the filters', () => {
    const p = offsetPagination(req('/api/v1/auth/keys?role=viewer&sort=name:asc&limit=10'), 25, 10, 0);
    expect(p).toEqual({
      page: 1,
      per_page: 10,
      total: 25,
      total_pages: 3,
      has_next: true,
      has_prev: false,
      links: {
        first: '/api/v1/auth/keys?role=viewer&sort=name%3Aasc&limit=10&offset=0',
        prev: null,
        self: '/api/v1/auth/keys?role=viewer&sort=name%3Aasc&limit=10&offset=0',
        next: '/api/v1/auth/keys?role=viewer&sort=name%3Aasc&limit=10&offset=10',
        last: '/api/v1/auth/keys?role=viewer&sort=name%3Aasc&limit=10&offset=20',
      },
    });
  });

  it('describes a middle page with both prev and next', () => {
    const p = offsetPagination(req('/api/v1/x?limit=10&offset=10'), 25, 10, 10);
    expect(p).toMatchObject({ page: 2, has_next: true, has_prev: true });
    expect(p.links.prev).toBe('/api/v1/x?limit=10&offset=0');
    expect(p.links.next).toBe('/api/v1/x?limit=10&offset=20');
  });

  it('describes the last page with next null', () => {
    const p = offsetPagination(req('/api/v1/x?limit=10&offset=20'), 25, 10, 20);
    expect(p).toMatchObject({ page: 3, total_pages: 3, has_next: false, has_prev: true });
    expect(p.links.next).toBeNull();
    expect(p.links.self).toBe(p.links.last);
  });

  it('treats an exact multiple of the page size as full pages with no empty page after', () => {
    const p = offsetPagination(req('/api/v1/x'), 20, 10, 10);
    expect(p).toMatchObject({ page: 2, total_pages: 2, has_next: false });
    expect(p.links.last).toBe('/api/v1/x?limit=10&offset=10');
  });

  it('describes an empty list as one page with no neighbours', () => {
    const p = offsetPagination(req('/api/v1/x?role=admin'), 0, 50, 0);
    expect(p).toMatchObject({ page: 1, per_page: 50, total: 0, total_pages: 1, has_next: false, has_prev: false });
    expect(p.links).toEqual({
      first: '/api/v1/x?role=admin&limit=50&offset=0',
      prev: null,
      self: '/api/v1/x?role=admin&limit=50&offset=0',
      next: null,
      last: '/api/v1/x?role=admin&limit=50&offset=0',
    });
  });

  it('clamps prev to offset 0 when the offset is not a multiple of the page size', () => {
    const p = offsetPagination(req('/api/v1/x?offset=3&limit=10'), 30, 10, 3);
    expect(p.has_prev).toBe(true);
    expect(p.links.prev).toBe('/api/v1/x?offset=0&limit=10');
  });

  it('keeps has_prev true for an offset past the end, with next null', () => {
    const p = offsetPagination(req('/api/v1/x'), 5, 10, 40);
    expect(p).toMatchObject({ has_next: false, has_prev: true, page: 5 });
    expect(p.links.next).toBeNull();
  });
});
