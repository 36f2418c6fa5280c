import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';
import { CursorCodec, type CursorPayload } from './cursor-codec';

const QUERY = JSON.stringify({ s: 'created_at:asc,id:asc', f: { role: 'viewer' } });
const PAYLOAD: CursorPayload = { after: ['2026-11-24T10:00:00.000Z', '2b1c5c1e-8f0a-4a52-9d7e-1f6f3c1d2a10'], query: QUERY };

function decodeError(codec: CursorCodec, cursor: string, query = QUERY): AppError {
  try {
    codec.decode(cursor, query);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error(`decode accepted ${cursor}`);
}

/** Replaces the character at index i with another character of the base64url alphabet. */
function alterAt(s: string, i: number): string {
  const replacement = s[i] === 'A' ? 'B' : 'A';
  return s.slice(0, i) + replacement + s.slice(i + 1);
}

describe('CursorCodec', () => {
  const codec = new CursorCodec('installation-secret-1');

  it('round-trips a payload for the same query', () => {
    expect(codec.decode(codec.encode(PAYLOAD), QUERY)).toEqual(PAYLOAD);
  });

  it('makes an opaque URL-safe cursor that does not show the query in clear text', () => {
    const cursor = codec.encode(PAYLOAD);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('created_at');
    expect(cursor).not.toContain('viewer');
  });

  it('refuses a cursor with any single character altered, in the body or in the signature', () => {
    const cursor = codec.encode(PAYLOAD);
    const dot = cursor.indexOf('.');
    const positions = [0, Math.floor(dot / 2), dot - 1, dot + 1, Math.floor((dot + cursor.length) / 2), cursor.length - 1];
    for (const i of positions) {
      const err = decodeError(codec, alterAt(cursor, i));
      expect(err.code).toBe(ErrorCode.VAL_INVALID_CURSOR);
      expect(err.status).toBe(400);
      expect(err.details).toEqual([expect.objectContaining({ field: 'cursor' })]);
    }
  });

  it('refuses a cursor with anything appended after another dot', () => {
    const cursor = codec.encode(PAYLOAD);
    for (const appended of [`${cursor}.x`, `${cursor}.`, `${cursor}.${cursor}`]) expect(decodeError(codec, appended).code).toBe(ErrorCode.VAL_INVALID_CURSOR);
  });

  it('refuses a re-signed payload when the secret differs (another installation)', () => {
    const foreign = new CursorCodec('another-secret').encode(PAYLOAD);
    expect(decodeError(codec, foreign).code).toBe(ErrorCode.VAL_INVALID_CURSOR);
  });

  it('refuses a valid cursor presented with another sort or other filters', () => {
    const cursor = codec.encode(PAYLOAD);
    expect(decodeError(codec, cursor, JSON.stringify({ s: 'created_at:desc,id:asc', f: { role: 'viewer' } })).code).toBe(ErrorCode.VAL_INVALID_CURSOR);
    expect(decodeError(codec, cursor, JSON.stringify({ s: 'created_at:asc,id:asc', f: { role: 'admin' } })).code).toBe(ErrorCode.VAL_INVALID_CURSOR);
  });

  it.each(['', 'no-dot-at-all', '.', 'abc.', '.abc', 'a.b.c'])('refuses the malformed cursor %j', (cursor) => {
    expect(decodeError(codec, cursor).code).toBe(ErrorCode.VAL_INVALID_CURSOR);
  });

  it('refuses a correctly signed body that is not a cursor payload', () => {
    const sign = (body: string) => `${body}.${(codec as unknown as { sign(b: string): string }).sign(body)}`;
    const notJson = Buffer.from('not json').toString('base64url');
    const noAfter = Buffer.from(JSON.stringify({ after: 'x', query: QUERY })).toString('base64url');
    expect(decodeError(codec, sign(notJson)).code).toBe(ErrorCode.VAL_INVALID_CURSOR);
    expect(decodeError(codec, sign(noAfter)).code).toBe(ErrorCode.VAL_INVALID_CURSOR);
  });
});
