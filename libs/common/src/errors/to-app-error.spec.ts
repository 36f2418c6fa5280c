import { BadRequestException, HttpException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { QueryFailedError } from 'typeorm';
import { AppError } from './app-error';
import { ErrorCode } from './error-codes';
import { toAppError } from './to-app-error';

const SQL = 'INSERT INTO "api_keys"("name", "key_hash") VALUES ($1, $2) RETURNING "id"';

/** A pg driver error as node-postgres raises it. */
function pgError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR', ...extra });
}

function queryFailed(code: string, message: string, extra: Record<string, unknown> = {}): QueryFailedError {
  return new QueryFailedError(SQL, ['secret-name', 'abc123'], pgError(code, message, extra));
}

function expectNoInternals(error: AppError, ...secrets: string[]): void {
  const shown = JSON.stringify({ message: error.message, details: error.details });
  for (const s of [SQL, 'INSERT INTO', 'api_keys_key_hash_uq', 'abc123', ...secrets]) expect(shown).not.toContain(s);
}

describe('toAppError', () => {
  it('returns an AppError unchanged', () => {
    const original = new AppError(ErrorCode.PERM_DENIED, 'nope');
    expect(toAppError(original)).toBe(original);
  });

  it('maps a unique violation (23505) to 409 RES_ALREADY_EXISTS naming the field but not the SQL', () => {
    const e = queryFailed('23505', 'duplicate key value violates unique constraint "api_keys_key_hash_uq"', {
      detail: 'Key (name)=(secret-name) already exists.',
      constraint: 'api_keys_key_hash_uq',
    });
    const error = toAppError(e);
    expect(error).toMatchObject({ code: ErrorCode.RES_ALREADY_EXISTS, status: 409, message: 'A resource with this name already exists' });
    expect(error.details).toEqual([{ field: 'name', message: 'name must be unique' }]);
    expect(error.cause).toBe(e);
    expectNoInternals(error, 'secret-name', 'duplicate key value');
  });

  it('maps a unique violation without detail to the catalogue message', () => {
    const error = toAppError(queryFailed('23505', 'duplicate key value violates unique constraint "api_keys_key_hash_uq"'));
    expect(error).toMatchObject({ code: ErrorCode.RES_ALREADY_EXISTS, status: 409, message: 'Resource already exists' });
    expectNoInternals(error, 'duplicate key value');
  });

  it('maps a foreign key violation (23503) to 409 RES_CONFLICT', () => {
    const error = toAppError(queryFailed('23503', 'insert or update on table "x" violates foreign key constraint "x_fk"'));
    expect(error).toMatchObject({ code: ErrorCode.RES_CONFLICT, status: 409 });
    expectNoInternals(error, 'x_fk');
  });

  it('maps a data exception (22P02) to 422 VAL_ERROR without the driver message', () => {
    const error = toAppError(queryFailed('22P02', 'invalid input syntax for type uuid: "zzz"'));
    expect(error).toMatchObject({ code: ErrorCode.VAL_ERROR, status: 422 });
    expectNoInternals(error, 'invalid input syntax', 'zzz');
  });

  it('maps a NUL character the database cannot store (22021, 22P05) to 422 VAL_ERROR saying so', () => {
    for (const [code, message] of [
      ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
      ['22P05', 'unsupported Unicode escape sequence'],
    ]) {
      const error = toAppError(queryFailed(code, message));
      expect(error).toMatchObject({ code: ErrorCode.VAL_ERROR, status: 422, message: 'Text must not contain the NUL character (\\u0000)' });
      expectNoInternals(error, message);
    }
  });

  it('maps a lost connection during a query (08006) to 503 EXT_DATABASE_UNAVAILABLE', () => {
    const error = toAppError(queryFailed('08006', 'terminating connection due to administrator command'));
    expect(error).toMatchObject({ code: ErrorCode.EXT_DATABASE_UNAVAILABLE, status: 503, message: 'Database unavailable' });
  });

  it('maps a server shutting down (57P01) to EXT_DATABASE_UNAVAILABLE', () => {
    expect(toAppError(queryFailed('57P01', 'terminating connection due to administrator command')).code).toBe(ErrorCode.EXT_DATABASE_UNAVAILABLE);
  });

  it('maps a refused connection (ECONNREFUSED) to 503 EXT_DATABASE_UNAVAILABLE without the address', () => {
    const e = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 5432 });
    const error = toAppError(e);
    expect(error).toMatchObject({ code: ErrorCode.EXT_DATABASE_UNAVAILABLE, status: 503 });
    expect(error.message).not.toContain('127.0.0.1');
    expect(error.cause).toBe(e);
  });

  it('maps a pg pool connection failure message to EXT_DATABASE_UNAVAILABLE', () => {
    expect(toAppError(new Error('Connection terminated unexpectedly')).code).toBe(ErrorCode.EXT_DATABASE_UNAVAILABLE);
    expect(toAppError(new Error('timeout exceeded when trying to connect')).code).toBe(ErrorCode.EXT_DATABASE_UNAVAILABLE);
  });

  it('maps an ioredis failure to 503 EXT_CACHE_UNAVAILABLE', () => {
    const maxRetries = Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' });
    expect(toAppError(maxRetries)).toMatchObject({ code: ErrorCode.EXT_CACHE_UNAVAILABLE, status: 503 });
    expect(toAppError(new Error("Stream isn't writeable and enableOfflineQueue options is false")).code).toBe(ErrorCode.EXT_CACHE_UNAVAILABLE);
  });

  it('maps an unknown Error to 500 SYS_INTERNAL_ERROR without its message, keeping it as the cause', () => {
    const e = new Error('secret token sk_live_123 leaked in stack at /srv/app.ts:42');
    const error = toAppError(e);
    expect(error).toMatchObject({ code: ErrorCode.SYS_INTERNAL_ERROR, status: 500, message: 'Internal server error' });
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toMatch(/sk_live_123|app\.ts|secret token/);
    expect(error.cause).toBe(e);
  });

  it('maps an unknown SQL error code to SYS_INTERNAL_ERROR without the SQL', () => {
    const error = toAppError(queryFailed('42P01', 'relation "api_keys" does not exist'));
    expect(error.code).toBe(ErrorCode.SYS_INTERNAL_ERROR);
    expectNoInternals(error, 'does not exist');
  });

  it('maps non-Error throwables to SYS_INTERNAL_ERROR', () => {
    expect(toAppError('a string').code).toBe(ErrorCode.SYS_INTERNAL_ERROR);
    expect(toAppError(undefined).code).toBe(ErrorCode.SYS_INTERNAL_ERROR);
    expect(toAppError({ weird: true }).code).toBe(ErrorCode.SYS_INTERNAL_ERROR);
  });

  it("maps the framework's unknown-route 404 'Cannot GET /x' to RES_NOT_FOUND naming the route", () => {
    const error = toAppError(new NotFoundException('Cannot GET /x'));
    expect(error).toMatchObject({ code: ErrorCode.RES_NOT_FOUND, status: 404, message: 'Route GET /x not found' });
  });

  it('maps a body-parser JSON failure to 400 VAL_MALFORMED_JSON', () => {
    const parse = Object.assign(new SyntaxError('Unexpected end of JSON input'), { type: 'entity.parse.failed' });
    const error = toAppError(new BadRequestException('Unexpected end of JSON input', { cause: parse }));
    expect(error).toMatchObject({ code: ErrorCode.VAL_MALFORMED_JSON, status: 400, message: 'Malformed JSON in request body' });
  });

  it('maps other HTTP exceptions by status into their family', () => {
    expect(toAppError(new PayloadTooLargeException())).toMatchObject({ code: ErrorCode.VAL_PAYLOAD_TOO_LARGE, status: 413 });
    expect(toAppError(new HttpException('Bad', 400))).toMatchObject({ code: ErrorCode.VAL_BAD_REQUEST, status: 400 });
  });

  it('maps a 405 HTTP exception to 404 RES_NOT_FOUND, as the router answers a method a route does not take (the contract has no 405)', () => {
    expect(toAppError(new HttpException('Method Not Allowed', 405))).toMatchObject({ code: ErrorCode.RES_NOT_FOUND, status: 404 });
  });

  it('hides the message of a 5xx HTTP exception and maps an unlisted status to SYS_INTERNAL_ERROR', () => {
    const error = toAppError(new HttpException('upstream said: password=hunter2', 500));
    expect(error).toMatchObject({ code: ErrorCode.SYS_INTERNAL_ERROR, status: 500 });
    expect(error.message).not.toContain('hunter2');
    expect(toAppError(new HttpException('teapot', 418)).code).toBe(ErrorCode.SYS_INTERNAL_ERROR);
  });

  it('maps the throttler exception to 429 RATE_LIMIT_EXCEEDED', () => {
    expect(toAppError(new ThrottlerException())).toMatchObject({ code: ErrorCode.RATE_LIMIT_EXCEEDED, status: 429 });
  });
});
