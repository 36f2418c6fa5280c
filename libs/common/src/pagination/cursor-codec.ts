import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';

export interface CursorPayload {
  /** The sort values of the last item, then its id (the tie-breaker). */
  after: unknown[];
  /** A fingerprint of the sort and filters the cursor was made for. */
  query: string;
}

/**
 * Opaque, tamper-evident cursors: base64url(JSON) + "." + HMAC-SHA256. A cursor altered by hand, or
 * presented with another sort or other filters, is VAL_INVALID_CURSOR.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  encode(payload: CursorPayload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  decode(cursor: string, expectedQuery: string): CursorPayload {
    // base64url has no '.': a cursor is exactly two parts, and anything added to it is tampering.
    const [body, mac, ...extra] = cursor.split('.');
    const invalid = () => new AppError(ErrorCode.VAL_INVALID_CURSOR, undefined, [{ field: 'cursor', message: 'cursor is not valid for this query' }]);
    if (!body || !mac || extra.length) throw invalid();
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    let payload: CursorPayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CursorPayload;
    } catch {
      throw invalid();
    }
    if (payload.query !== expectedQuery || !Array.isArray(payload.after)) throw invalid();
    return payload;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
