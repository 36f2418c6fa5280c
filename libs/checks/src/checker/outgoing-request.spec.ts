import { outgoingHeaders, outgoingRequest, redirectTarget } from './outgoing-request';

describe('outgoingHeaders', () => {
  it('lower-cases names, adds a user agent and drops headers undici manages', () => {
    const headers = outgoingHeaders({ 'X-Api-Key': 'k', Connection: 'close', 'Content-Length': '3', Accept: 'application/json' }, null);
    expect(headers).toEqual({ 'user-agent': expect.stringMatching(/^Vigil\//), accept: 'application/json', 'x-api-key': 'k' });
  });

  it('guesses the content type of a body unless one is given', () => {
    expect(outgoingHeaders({}, '{"ping":"test"}')['content-type']).toBe('application/json');
    expect(outgoingHeaders({}, 'ping')['content-type']).toBe('text/plain; charset=utf-8');
    expect(outgoingHeaders({ 'Content-Type': 'application/xml' }, '<a/>')['content-type']).toBe('application/xml');
  });
});

describe('redirectTarget', () => {
  const post = outgoingRequest(
    new URL('https://api.example.com/v1/login?x=1'),
    'POST',
    { authorization: 'Bearer t', cookie: 'a=1', 'content-type': 'application/json', 'x-trace': '1' },
    '{}',
  );

  it('resolves a relative Location against the current URL', () => {
    expect(redirectTarget(post, 307, '../v2/login?y=2')).toMatchObject({ origin: 'https://api.example.com', path: '/v2/login?y=2' });
  });

  it('keeps method and body on 307/308, and turns 303 (and 301/302 after POST) into a GET without body', () => {
    expect(redirectTarget(post, 308, '/x')).toMatchObject({ method: 'POST', body: '{}' });
    for (const status of [301, 302, 303]) {
      const next = redirectTarget(post, status, '/x');
      expect(next).toMatchObject({ method: 'GET', body: null });
      expect(next?.headers['content-type']).toBeUndefined();
    }
    expect(redirectTarget({ ...post, method: 'PUT' }, 302, '/x')?.method).toBe('PUT');
  });

  it('drops credentials when the redirect leaves the origin, and keeps them within it', () => {
    expect(redirectTarget(post, 307, 'https://other.example.com/')?.headers).toEqual({ 'content-type': 'application/json', 'x-trace': '1' });
    expect(redirectTarget(post, 307, '/same')?.headers.authorization).toBe('Bearer t');
    expect(redirectTarget(post, 307, 'http://api.example.com/v1/login')?.headers.authorization).toBeUndefined();
  });

  it('leaves the hop it redirects from as it was (an endpoint reuses its first hop on every check)', () => {
    const frozen = Object.freeze({ ...post, headers: Object.freeze({ ...post.headers }) });
    const before = JSON.stringify(frozen);
    expect(redirectTarget(frozen, 303, 'https://other.example.com/')).toMatchObject({ method: 'GET', body: null, headers: { 'x-trace': '1' } });
    expect(JSON.stringify(frozen)).toBe(before);
  });

  it('does not follow non-redirects or redirects without a usable Location', () => {
    expect(redirectTarget(post, 200, '/x')).toBeNull();
    expect(redirectTarget(post, 304, '/x')).toBeNull();
    expect(redirectTarget(post, 302, undefined)).toBeNull();
    expect(redirectTarget(post, 302, 'http://[bad')).toBeNull();
  });
});
