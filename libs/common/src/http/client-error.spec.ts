import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { answerClientError, type ClientError } from './client-error';

function fakeSocket(extra: Record<string, unknown> = {}) {
  const written: string[] = [];
  const socket: { writable: boolean; destroyed: boolean; end: jest.Mock; destroy: jest.Mock } = {
    writable: true,
    destroyed: false,
    end: jest.fn((data: string, done: () => void) => {
      written.push(data);
      done();
    }),
    destroy: jest.fn((): void => {
      socket.destroyed = true;
    }),
    ...extra,
  };
  return { socket, written, asDuplex: socket as unknown as Duplex };
}
const parseError = (code: string, reason?: string): ClientError => Object.assign(new Error('Parse Error'), { code, reason });

describe('answerClientError', () => {
  it('answers a parse error with the 400 envelope, Connection: close, then destroys the socket', () => {
    const { socket, written, asDuplex } = fakeSocket();
    const answer = answerClientError(parseError('HPE_INVALID_HEADER_TOKEN', 'Invalid header token'), asDuplex);
    expect(answer).toMatchObject({ status: 400, code: 'VAL_MALFORMED_REQUEST' });
    expect(written[0]).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(written[0]).toContain('\r\nConnection: close\r\n');
    expect(JSON.parse(written[0].split('\r\n\r\n')[1]).error).toMatchObject({
      code: 'VAL_MALFORMED_REQUEST',
      message: 'Malformed HTTP request: Invalid header token',
    });
    expect(socket.destroyed).toBe(true);
  });

  it('answers headers over the limit with 400 (no code family has 431) and an oversized chunk extension with 413', () => {
    const { written, asDuplex } = fakeSocket();
    expect(answerClientError(parseError('HPE_HEADER_OVERFLOW'), asDuplex)).toMatchObject({ status: 400, code: 'VAL_HEADERS_TOO_LARGE' });
    expect(written[0]).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(written[0].split('\r\n\r\n')[1]).error).toMatchObject({
      code: 'VAL_HEADERS_TOO_LARGE',
      message: 'Request headers exceed the size limit',
    });
    expect(answerClientError(parseError('HPE_CHUNK_EXTENSIONS_OVERFLOW'), fakeSocket().asDuplex)).toMatchObject({ status: 413, code: 'VAL_PAYLOAD_TOO_LARGE' });
  });

  it.each([
    ['the peer reset the connection', parseError('ECONNRESET'), {}],
    ['the pipe broke', parseError('EPIPE'), {}],
    ['the socket is no longer writable', parseError('HPE_INVALID_METHOD'), { writable: false }],
    ['a response on the socket has begun', parseError('HPE_INVALID_METHOD'), { _httpMessage: { headersSent: true } }],
  ])('only destroys the socket when %s', (_what, err, extra) => {
    const { socket, written, asDuplex } = fakeSocket(extra);
    expect(answerClientError(err, asDuplex)).toBeNull();
    expect(written).toEqual([]);
    expect(socket.destroy).toHaveBeenCalled();
  });

  it('answers a request that took too long to arrive with 400 VAL_REQUEST_TIMEOUT in the envelope, not Node’s bare 408', () => {
    const { socket, written, asDuplex } = fakeSocket();
    const answer = answerClientError(parseError('ERR_HTTP_REQUEST_TIMEOUT'), asDuplex);
    expect(answer).toEqual({ status: 400, code: 'VAL_REQUEST_TIMEOUT', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(written[0]).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(written[0]).toContain('\r\nConnection: close\r\n');
    expect(written[0]).toContain(`\r\nX-Request-ID: ${answer?.requestId}\r\n`);
    expect(JSON.parse(written[0].split('\r\n\r\n')[1])).toMatchObject({
      success: false,
      error: { code: 'VAL_REQUEST_TIMEOUT', message: 'Request not received in full in time', help_url: '/docs/errors#val-request-timeout' },
      meta: { request_id: answer?.requestId, api_version: null },
    });
    expect(socket.destroyed).toBe(true);
  });

  it('is what a real HTTP server answers when the headers of a request do not arrive in time', async () => {
    const server = createServer({ headersTimeout: 200, requestTimeout: 200, connectionsCheckingInterval: 50 }, (_req, res) => res.end('too late'));
    server.on('clientError', (err: ClientError, socket: Duplex) => answerClientError(err, socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
      const chunks: Buffer[] = [];
      client.on('data', (c: Buffer) => chunks.push(c));
      await new Promise((resolve) => client.once('connect', resolve));
      // The request line and one header, then nothing: the rest never comes.
      client.write('GET / HTTP/1.1\r\nHost: localhost\r\n');
      await new Promise((resolve) => client.once('close', resolve));
      const [head, body] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(head).toContain('\r\nConnection: close');
      expect(JSON.parse(body).error.code).toBe('VAL_REQUEST_TIMEOUT');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
