import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors/app-error';
import { errorEnvelope } from '../errors/error-envelope';
import { ErrorCode } from '../errors/error-codes';
import { requestIdFrom } from './request-id.middleware';

/** What Node's HTTP parser reports with a `clientError` (llhttp errors carry `HPE_*` codes and a `reason`). */
export type ClientError = Error & { code?: string; reason?: unknown };

/**
 * Errors with a code of their own; every other parse error is a malformed request (400). A request too slow to
 * arrive (headersTimeout/requestTimeout) would be Node's bare 408, which no code family of the contract has.
 */
const CODE_OF_PARSER_ERROR: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: ErrorCode.VAL_HEADERS_TOO_LARGE,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: ErrorCode.VAL_PAYLOAD_TOO_LARGE,
  ERR_HTTP_REQUEST_TIMEOUT: ErrorCode.VAL_REQUEST_TIMEOUT,
};
/** The peer is gone: there is no one to answer. */
const PEER_GONE = new Set(['ECONNRESET', 'EPIPE']);
/** A peer that never reads the answer does not keep the socket. */
const FLUSH_TIMEOUT_MS = 1000;

/** What was answered, for the log line; null when the socket was only destroyed. */
export interface ClientErrorAnswer {
  status: number;
  code: ErrorCode;
  requestId: string;
}

/**
 * The HTTP server's `clientError` handler: a request Node's parser refuses (an invalid header line, headers
 * over the size limit...) never reaches Express, and Node would answer a bare `400 Bad Request` with no body;
 * for a request too slow to arrive it would answer a bare `408`. This answers the error envelope instead (a
 * new request id: the request's headers may not have been read), with `Connection: close`, then destroys the
 * socket. Nothing is written when the peer is gone or when a response
 * on this socket has begun (its bytes and ours would interleave): the socket is only destroyed.
 */
export function answerClientError(err: ClientError, socket: Duplex): ClientErrorAnswer | null {
  const responseStarted = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage?.headersSent === true;
  if ((err.code && PEER_GONE.has(err.code)) || !socket.writable || responseStarted) {
    socket.destroy();
    return null;
  }
  const code = (err.code && CODE_OF_PARSER_ERROR[err.code]) || ErrorCode.VAL_MALFORMED_REQUEST;
  const reason = code === ErrorCode.VAL_MALFORMED_REQUEST && typeof err.reason === 'string' && err.reason ? `Malformed HTTP request: ${err.reason}` : undefined;
  const error = new AppError(code, reason);
  const requestId = requestIdFrom(undefined);
  writeErrorAnswer(socket, error, requestId);
  return { status: error.status, code, requestId };
}

/**
 * Writes `error` as a whole HTTP answer in the error envelope on a raw socket (one that never reached
 * Express: a refused request, a refused WebSocket handshake), with `Connection: close`, then destroys the
 * socket once the answer is out (or after FLUSH_TIMEOUT_MS if the peer does not read it).
 */
export function writeErrorAnswer(socket: Duplex, error: AppError, requestId: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(errorEnvelope(error, { timestamp: new Date().toISOString(), request_id: requestId, api_version: null }));
  const head = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-ID: ${requestId}`,
    'X-Content-Type-Options: nosniff',
    'Cache-Control: no-store',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    'Connection: close',
  ];
  finish(socket, `${head.join('\r\n')}\r\n\r\n${body}`);
}

function finish(socket: Duplex, answer: string): void {
  const fallback = setTimeout(() => socket.destroy(), FLUSH_TIMEOUT_MS).unref();
  socket.end(answer, () => {
    clearTimeout(fallback);
    socket.destroy();
  });
}
