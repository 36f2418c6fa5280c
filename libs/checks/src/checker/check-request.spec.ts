import type { VigilConfig } from '@vigil/config';
import { checkRequestFrom } from './check-request';

const config = { checks: { maxRedirects: 3 } } as VigilConfig;
type EndpointDefinition = Parameters<typeof checkRequestFrom>[0];

describe('checkRequestFrom', () => {
  it('copies the definition of an endpoint and takes the redirect limit from configuration', () => {
    const endpoint = {
      url: 'https://api.example.com/health',
      method: 'POST',
      headers: { Authorization: 'Bearer x' },
      body: '{"ping":"test"}',
      timeoutMs: 5000,
      expectedStatus: ['2xx', 304],
      assertions: [{ type: 'json_path', path: '$.status', operator: 'eq', value: 'UP' }],
      retry: { count: 2, initial_backoff_ms: 500, factor: 2 },
    } as EndpointDefinition;
    expect(checkRequestFrom(endpoint, config)).toEqual({
      url: 'https://api.example.com/health',
      method: 'POST',
      headers: { Authorization: 'Bearer x' },
      body: '{"ping":"test"}',
      timeoutMs: 5000,
      expectedStatus: ['2xx', 304],
      assertions: [{ type: 'json_path', path: '$.status', operator: 'eq', value: 'UP' }],
      retry: { count: 2, initial_backoff_ms: 500, factor: 2 },
      maxRedirects: 3,
    });
  });

  it('fills empty headers, body, assertions and retry', () => {
    const endpoint = { url: 'http://x.example/', method: 'GET', timeoutMs: 1000, expectedStatus: 200 } as EndpointDefinition;
    expect(checkRequestFrom(endpoint, config)).toMatchObject({ headers: {}, body: null, assertions: [], retry: { count: 0 } });
  });
});
