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

  it('keeps Node’s bare 408 for a request that took too long to arrive', () => {
    const { written, asDuplex } = fakeSocket();
    expect(answerClientError(parseError('ERR_HTTP_REQUEST_TIMEOUT'), asDuplex)).toEqual({ status: 408, code: null, requestId: null });
    expect(written).toEqual(['HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n']);
  });
});
