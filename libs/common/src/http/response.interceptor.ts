import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { EnvelopeInterceptor } from '../envelope/envelope.interceptor';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';

/**
 * The one global interceptor: the envelope around every answer, and Idempotency-Key around that (it keeps
 * and replays the final body). One link in Nest's interceptor chain instead of two: every request pays for
 * each link, and only POSTs with an Idempotency-Key need the second.
 */
@Injectable()
export class ResponseInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyInterceptor,
    private readonly envelope: EnvelopeInterceptor,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const enveloped: CallHandler = { handle: () => this.envelope.intercept(context, next) };
    return this.idempotency.intercept(context, enveloped);
  }
}
