import { changedFields, draftFromInput } from './endpoint-draft';
import type { CreateEndpointDto } from './dto/create-endpoint.dto';

const input = (extra: Partial<CreateEndpointDto> = {}): Partial<CreateEndpointDto> => ({ name: 'api', url: 'https://api.example.com/', ...extra });

describe('endpoint drafts', () => {
  it('fills every default for a new definition', () => {
    expect(draftFromInput(input())).toEqual({
      name: 'api',
      url: 'https://api.example.com/',
      method: 'GET',
      intervalS: 60,
      timeoutMs: 5000,
      expectedStatus: 200,
      headers: {},
      body: null,
      isActive: true,
      tags: [],
      retry: { count: 0, initial_backoff_ms: 500, factor: 2 },
      assertions: [],
    });
  });

  it('halves the default timeout for short intervals and converts seconds to ms', () => {
    expect(draftFromInput(input({ interval: 6 })).timeoutMs).toBe(3000);
    expect(draftFromInput(input({ timeout: 0.25 })).timeoutMs).toBe(250);
  });

  it('keeps the base for fields a patch leaves out, and fills a partial retry with defaults', () => {
    const base = draftFromInput(input({ interval: 30, timeout: 2, tags: ['a'], retry: { count: 3, initial_backoff_ms: 100, factor: 3 } }));
    const patched = draftFromInput({ retry: { count: 1 } }, base);
    expect(patched).toMatchObject({ name: 'api', intervalS: 30, timeoutMs: 2000, tags: ['a'], retry: { count: 1, initial_backoff_ms: 500, factor: 2 } });
  });

  it('stores a JSON body as text and adds a JSON Content-Type unless one is set', () => {
    expect(draftFromInput(input({ method: 'POST', body: { a: 1 } }))).toMatchObject({ body: '{"a":1}', headers: { 'Content-Type': 'application/json' } });
    expect(draftFromInput(input({ method: 'POST', body: { a: 1 }, headers: { 'content-type': 'application/x' } })).headers).toEqual({
      'content-type': 'application/x',
    });
    expect(draftFromInput(input({ method: 'POST', body: 'raw' })).headers).toEqual({});
  });

  it('lower-cases status classes and drops repeated tags', () => {
    expect(draftFromInput(input({ expected_status: ['2XX', 304], tags: ['a', 'b', 'a'] }))).toMatchObject({ expectedStatus: ['2xx', 304], tags: ['a', 'b'] });
  });

  it('names the changed fields in request terms, ignoring header and tag order', () => {
    const a = draftFromInput(input({ headers: { A: '1', B: '2' }, tags: ['x', 'y'] }));
    const b = draftFromInput(input({ headers: { B: '2', A: '1' }, tags: ['y', 'x'] }));
    expect(changedFields(a, b)).toEqual([]);
    const c = draftFromInput(input({ headers: { A: '1', B: '3' }, tags: ['x'], interval: 30, timeout: 5, is_active: false }));
    expect(changedFields(a, c)).toEqual(['interval', 'headers', 'is_active', 'tags']);
  });
});
