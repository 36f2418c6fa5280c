import { HttpException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { QueryFailedError } from 'typeorm';
import { AppError, routeNotFound } from './app-error';
import { ErrorCode } from './error-codes';

const DB_UNAVAILABLE_PG_CODES = /^(08|57P0[123]|53300|57014)/;
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
const DB_CONNECTION_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Driver not Connected|Connection is not established|the database system is (starting up|shutting down)/i;
const REDIS_MESSAGE = /Stream isn't writeable|enableOfflineQueue|Connection is closed\.|Reached the max retries per request|Redis command timed out/i;

/**
 * A framework status to its code, always one of the code's family's statuses in the contract. The contract has
 * no 405: a method a route does not take is 404 RES_NOT_FOUND, as the router answers it ("Cannot DELETE /x").
 */
const BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.VAL_BAD_REQUEST,
  401: ErrorCode.AUTH_INVALID_API_KEY,
  403: ErrorCode.PERM_DENIED,
  404: ErrorCode.RES_NOT_FOUND,
  405: ErrorCode.RES_NOT_FOUND,
  409: ErrorCode.RES_CONFLICT,
  413: ErrorCode.VAL_PAYLOAD_TOO_LARGE,
  415: ErrorCode.VAL_UNSUPPORTED_MEDIA_TYPE,
  422: ErrorCode.VAL_ERROR,
  429: ErrorCode.RATE_LIMIT_EXCEEDED,
  503: ErrorCode.SYS_OVERLOADED,
};

function fromHttpException(e: HttpException): AppError {
  const status = e.getStatus();
  const cause = e.cause as { type?: string } | undefined;
  if (status === 400 && (cause instanceof SyntaxError || cause?.type === 'entity.parse.failed')) {
    return new AppError(ErrorCode.VAL_MALFORMED_JSON, 'Malformed JSON in request body', undefined, { cause: e });
  }
  const unrouted = status === 404 ? /^Cannot ([A-Z]+) (.*)$/.exec(e.message) : null;
  if (unrouted) return routeNotFound(unrouted[1], unrouted[2]);
  const code = BY_STATUS[status];
  if (!code) return new AppError(ErrorCode.SYS_INTERNAL_ERROR, undefined, undefined, { cause: e });
  // Framework messages for 4xx are fixed texts written for clients; 5xx ones are not shown.
  return new AppError(code, status < 500 ? e.message : undefined, undefined, { cause: e });
}

function fromQueryFailed(e: QueryFailedError): AppError {
  const driver = e.driverError as { code?: string; detail?: string; column?: string } | undefined;
  const pgCode = driver?.code ?? '';
  if (pgCode === '23505') {
    const field = /Key \(([^)]+)\)=/.exec(driver?.detail ?? '')?.[1];
    return new AppError(
      ErrorCode.RES_ALREADY_EXISTS,
      field ? `A resource with this ${field} already exists` : undefined,
      field ? [{ field, message: `${field} must be unique` }] : undefined,
      { cause: e },
    );
  }
  if (pgCode === '23503') return new AppError(ErrorCode.RES_CONFLICT, 'The resource is referenced by or refers to another one', undefined, { cause: e });
  // PostgreSQL text and jsonb cannot hold U+0000 (22021 for text, 22P05 for a \u0000 escape in jsonb): name the
  // cause, since the client sent it and can remove it.
  if (pgCode === '22021' || pgCode === '22P05') {
    return new AppError(ErrorCode.VAL_ERROR, 'Text must not contain the NUL character (\\u0000)', undefined, { cause: e });
  }
  if (/^(22|23)/.test(pgCode))
    return new AppError(
      ErrorCode.VAL_ERROR,
      'A value was rejected by the database',
      driver?.column ? [{ field: driver.column, message: 'invalid value' }] : undefined,
      { cause: e },
    );
  if (DB_UNAVAILABLE_PG_CODES.test(pgCode)) return new AppError(ErrorCode.EXT_DATABASE_UNAVAILABLE, undefined, undefined, { cause: e });
  return new AppError(ErrorCode.SYS_INTERNAL_ERROR, undefined, undefined, { cause: e });
}

/**
 * Maps anything thrown (ours, the framework's, TypeORM's, a driver's) to a catalogued AppError.
 * Messages for the client never carry SQL, stack traces or internals; the cause stays on the error for the log.
 */
export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  if (exception instanceof ThrottlerException) return new AppError(ErrorCode.RATE_LIMIT_EXCEEDED);
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (exception instanceof QueryFailedError) return fromQueryFailed(exception);
  const e = exception as { code?: string; message?: string; name?: string } | undefined;
  const message = e?.message ?? '';
  if (e?.name === 'MaxRetriesPerRequestError' || REDIS_MESSAGE.test(message)) {
    return new AppError(ErrorCode.EXT_CACHE_UNAVAILABLE, undefined, undefined, { cause: exception });
  }
  if ((e?.code && (CONNECTION_CODES.has(e.code) || DB_UNAVAILABLE_PG_CODES.test(e.code))) || DB_CONNECTION_MESSAGE.test(message)) {
    return new AppError(ErrorCode.EXT_DATABASE_UNAVAILABLE, undefined, undefined, { cause: exception });
  }
  return new AppError(ErrorCode.SYS_INTERNAL_ERROR, undefined, undefined, { cause: exception });
}
