import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { catchError, from, mergeMap, type Observable, of, throwError } from 'rxjs';
import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';
import { clientIp } from '../http/client-ip';
import type { VigilRequest } from '../http/vigil-request';
import { IdempotencyStore } from './idempotency.store';

const SANE_KEY = /^[\x21-\x7E]{1,255}$/;
const REPLAYED_HEADERS = ['location', 'content-location'];

/**
 * `Idempotency-Key` on POST: the first response (status and body) is kept and replayed for the same key
 * and body with `Idempotent-Replayed: true`; another body under the same key, or a second request while
 * the first runs, is 409. A request that fails is not kept, so it can be retried with the same key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(private readonly store: IdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<VigilRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const given = req.headers['idempotency-key'];
    if (req.method !== 'POST' || given === undefined) return next.handle();
    if (typeof given !== 'string' || !SANE_KEY.test(given)) {
      return throwError(
        () =>
          new AppError(ErrorCode.VAL_BAD_REQUEST, 'Idempotency-Key must be 1 to 255 printable ASCII characters', [
            { field: 'Idempotency-Key', message: 'invalid header value' },
          ]),
      );
    }
    const owner = req.principal ? `key:${req.principal.keyId}` : `ip:${clientIp(req)}`;
    const storeKey = `idem:${owner}:${given}`;
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`)
      .digest('hex');

    return from(this.store.begin(storeKey, fingerprint)).pipe(
      mergeMap((begun) => {
        if (begun.outcome === 'unavailable') return next.handle();
        if (begun.outcome === 'exists') return of(this.replay(begun.record, fingerprint, req, res));
        return next.handle().pipe(
          mergeMap((body) =>
            from(this.store.complete(storeKey, fingerprint, { status: res.statusCode, body, headers: this.headersToKeep(res) })).pipe(
              catchError((err: unknown) => {
                this.logger.warn({ err, msg: 'could not keep an idempotent response' });
                return of(undefined);
              }),
              mergeMap(() => of(body)),
            ),
          ),
          catchError((err: unknown) => from(this.store.release(storeKey).catch(() => undefined)).pipe(mergeMap(() => throwError(() => err)))),
        );
      }),
    );
  }

  private replay(
    record: { state: string; fingerprint: string; response?: { status: number; body: unknown; headers: Record<string, string> } },
    fingerprint: string,
    req: VigilRequest,
    res: Response,
  ): unknown {
    if (record.fingerprint !== fingerprint) {
      throw new AppError(ErrorCode.RES_IDEMPOTENCY_CONFLICT, 'This Idempotency-Key was already used with a different request body');
    }
    if (record.state !== 'done' || !record.response) {
      throw new AppError(ErrorCode.RES_IDEMPOTENCY_IN_PROGRESS, undefined, undefined, { headers: { 'Retry-After': '1' } });
    }
    res.status(record.response.status);
    for (const [name, value] of Object.entries(record.response.headers)) res.setHeader(name, value);
    res.setHeader('Idempotent-Replayed', 'true');
    // The stored body as it was, except meta.request_id: it names this request, as X-Request-ID does.
    const body = record.response.body as { meta?: Record<string, unknown> } | null;
    return body && typeof body === 'object' && body.meta ? { ...body, meta: { ...body.meta, request_id: req.id } } : body;
  }

  private headersToKeep(res: Response): Record<string, string> {
    const kept: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const v = res.getHeader(name);
      if (typeof v === 'string') kept[name] = v;
    }
    return kept;
  }
}
