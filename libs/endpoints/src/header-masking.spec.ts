import { isSecretHeader, maskHeaders, maskHeaderValue, restoreMaskedHeaders } from './header-masking';

describe('header masking', () => {
  it.each([
    'Authorization',
    'authorization',
    'Proxy-Authorization',
    'Cookie',
    'Set-Cookie',
    'X-API-Key',
    'x-apikey',
    'X-Auth-Token',
    'X-Client-Secret',
    'X-Password',
    'X-Session-Id',
    'X-Amz-Signature',
    'Private-Token',
  ])('treats %s as a credential', (name) => {
    expect(isSecretHeader(name)).toBe(true);
  });

  it.each(['Accept', 'Content-Type', 'User-Agent', 'X-Request-ID', 'Cache-Control'])('shows %s as stored', (name) => {
    expect(isSecretHeader(name)).toBe(false);
  });

  it('keeps the scheme of an Authorization value and hides the rest', () => {
    expect(maskHeaderValue('Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig')).toBe('Bearer ***');
    expect(maskHeaderValue('Proxy-Authorization', 'Basic dXNlcjpwYXNz')).toBe('Basic ***');
    expect(maskHeaderValue('Authorization', 'just-a-token')).toBe('***');
  });

  it('hides other credential headers entirely, whatever their shape', () => {
    expect(maskHeaderValue('X-API-Key', 'my secret phrase')).toBe('***');
    expect(maskHeaderValue('Cookie', 'session=abc; theme=dark')).toBe('***');
  });

  it('masks credential values and leaves the others, never showing a secret in full', () => {
    const stored = { Authorization: 'Bearer s3cr3t-value', 'X-API-Key': 'k-123456', Accept: 'application/json' };
    const shown = maskHeaders(stored);
    expect(shown).toEqual({ Authorization: 'Bearer ***', 'X-API-Key': '***', Accept: 'application/json' });
    expect(JSON.stringify(shown)).not.toContain('s3cr3t');
    expect(JSON.stringify(shown)).not.toContain('k-123456');
  });

  it('restores a masked value sent back under the same name (any case) to the stored secret', () => {
    const stored = { Authorization: 'Bearer s3cr3t', 'X-API-Key': 'k-1' };
    expect(restoreMaskedHeaders({ authorization: 'Bearer ***', 'X-API-Key': '***', Accept: '*/*' }, stored)).toEqual({
      headers: { authorization: 'Bearer s3cr3t', 'X-API-Key': 'k-1', Accept: '*/*' },
      unresolved: [],
    });
  });

  it('accepts a bare *** for an Authorization header whose mask shows its scheme', () => {
    expect(restoreMaskedHeaders({ Authorization: '***' }, { Authorization: 'Bearer s3cr3t' }).headers).toEqual({ Authorization: 'Bearer s3cr3t' });
  });

  it('stores a new secret value as sent', () => {
    expect(restoreMaskedHeaders({ Authorization: 'Bearer new' }, { Authorization: 'Bearer old' }).headers).toEqual({ Authorization: 'Bearer new' });
  });

  it('refuses a masked value with no stored secret to keep, or with another scheme', () => {
    expect(restoreMaskedHeaders({ 'X-Token': '***' }, {}).unresolved).toEqual(['X-Token']);
    expect(restoreMaskedHeaders({ Authorization: 'Basic ***' }, { Authorization: 'Bearer s3cr3t' }).unresolved).toEqual(['Authorization']);
  });

  it('leaves *** alone in a header that is not a credential', () => {
    expect(restoreMaskedHeaders({ 'X-Note': '***' }, {})).toEqual({ headers: { 'X-Note': '***' }, unresolved: [] });
  });
});
