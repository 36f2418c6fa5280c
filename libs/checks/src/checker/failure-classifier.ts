import type { FailureReason } from '../check-types';
import { CheckFailure } from './check-failure';

export interface ClassifiedFailure {
  reason: FailureReason;
  /** Short, human, no stack trace. */
  message: string;
}

/** Where the error happened: before a connection served the request, or while it was being answered. */
export type FailurePhase = 'connect' | 'response';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ENONAME', 'ENOTIMP', 'EREFUSED']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_ABORTED']);
/** Node's ERR_TLS_*, OpenSSL's ERR_SSL_* and the X.509 verification codes (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT...). */
const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|CRL_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERROR_IN_|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_|HOSTNAME_MISMATCH|EPROTO$)/;

const TLS_MESSAGES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate is not trusted (its issuer is unknown)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate is not trusted (its issuer is unknown)',
  CERT_REVOKED: 'certificate has been revoked',
};

/**
 * Puts any error from one attempt into exactly one FailureReason, with a short message. Unknown errors
 * (a malformed response, an unexpected library error) count as `reset`: the exchange broke off.
 */
export function classifyFailure(err: unknown, target: { host: string; port: string | number }, phase: FailurePhase): ClassifiedFailure {
  if (err instanceof CheckFailure) return { reason: err.reason, message: err.message };
  const code = errorCode(err);
  const where = `${target.host}:${target.port}`;
  if (DNS_CODES.has(code)) return { reason: 'dns', message: `could not resolve ${target.host} (${code})` };
  if (code === 'ECONNREFUSED') return { reason: 'connect_refused', message: `connection refused by ${where}` };
  if (UNREACHABLE_CODES.has(code)) return { reason: 'connect_refused', message: `${where} is unreachable (${code})` };
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || (code === 'ETIMEDOUT' && phase === 'connect')) {
    return { reason: 'connect_timeout', message: `no connection to ${where} in time` };
  }
  if (isTlsError(err, code)) return { reason: 'tls', message: `TLS: ${TLS_MESSAGES[code] ?? shortMessage(err)}` };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
    return { reason: 'timeout', message: `${where} stopped answering` };
  }
  if (RESET_CODES.has(code) || /socket hang up|other side closed/i.test(shortMessage(err))) {
    return {
      reason: 'reset',
      message: phase === 'connect' ? `connection to ${where} was reset` : `${where} closed the connection before the response was complete`,
    };
  }
  if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return { reason: 'reset', message: `${where} sent an invalid HTTP response (${code})` };
  }
  return { reason: 'reset', message: `request to ${where} failed: ${shortMessage(err)}` };
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function isTlsError(err: unknown, code: string): boolean {
  if (TLS_CODE.test(code)) return true;
  const library = (err as { library?: unknown } | null)?.library;
  return typeof library === 'string' && /SSL|TLS/i.test(library);
}

/** The first sentence of an error message, capped: never a stack trace. */
function shortMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text
    .split('\n')[0]
    .replace(/^\w*Error: /, '')
    .split('; ')[0]
    .trim();
  return line.length > 200 ? `${line.slice(0, 200)}...` : line || 'unknown error';
}
