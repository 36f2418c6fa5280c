import { createHash } from 'node:crypto';
import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerRequest } from '@nestjs/throttler';
import { VigilConfig } from '@vigil/config';
import type { Response } from 'express';
import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';
import type { VigilRequest } from '../http/vigil-request';
import type { CounterRequest, ResilientThrottlerStorage } from './resilient-throttler.storage';

/** A second budget per client IP, whatever key it presents (no headers; 429 when exceeded). */
export const PER_IP_THROTTLER = 'per_ip';
export const ipTracker = (req: Record<string, any>): string => `ip:${(req as VigilRequest).ip ?? 'unknown'}`;

const PENDING = Symbol('vigil:rate-limit-counters');
type PendingRequest = VigilRequest & { [PENDING]?: CounterRequest[] };

/**
 * The throttler, tracked per presented API key (per client IP without one), answering the contract's
 * headers: X-RateLimit-Limit/-Remaining/-Reset (epoch seconds) on every limited response, Retry-After on
 * 429. Routes without @Throttle share one budget per caller; a route with its own @Throttle has its own.
 * @nestjs/throttler resolves the throttlers, limits and skips; the counting of all of them is one storage call.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() private readonly counters: ResilientThrottlerStorage,
    reflector: Reflector,
    private readonly config: VigilConfig,
  ) {
    super(options, counters, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<PendingRequest>();
    req[PENDING] = [];
    await super.canActivate(context);
    const pending = req[PENDING];
    delete req[PENDING];
    if (!pending.length) return true;
    const records = await this.counters.incrementAll(pending);
    const res = context.switchToHttp().getResponse<Response>();
    const nowS = Math.floor(Date.now() / 1000);
    // Headers describe the caller's own budget; the per-IP cap only ever shows as a 429.
    pending.forEach((counter, i) => {
      const record = records[i];
      if (counter.name !== 'default') return;
      res.setHeader('X-RateLimit-Limit', String(counter.limit));
      res.setHeader('X-RateLimit-Remaining', String(record.isBlocked ? 0 : Math.max(0, counter.limit - record.totalHits)));
      res.setHeader('X-RateLimit-Reset', String(nowS + (record.isBlocked ? Math.max(1, record.timeToBlockExpire) : record.timeToExpire)));
    });
    const blocked = pending.findIndex((_c, i) => records[i].isBlocked);
    if (blocked >= 0) {
      const { name, limit, ttl } = pending[blocked];
      const per = `${limit} requests per ${Math.round(ttl / 1000)} s`;
      throw new AppError(
        ErrorCode.RATE_LIMIT_EXCEEDED,
        name === 'default' ? `Rate limit of ${per} exceeded` : `Too many requests from this address (${per})`,
        undefined,
        {
          headers: { 'Retry-After': String(Math.max(1, records[blocked].timeToBlockExpire)) },
        },
      );
    }
    return true;
  }

  protected override async shouldSkip(): Promise<boolean> {
    return !this.config.rateLimit.enabled;
  }

  /** Per presented API key (by its hash: the guard runs before the key is checked), per IP without one. */
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const r = req as VigilRequest;
    const key = r.headers['x-api-key'];
    if (typeof key === 'string' && key.trim() !== '') return `key:${createHash('sha256').update(key.trim()).digest('hex').slice(0, 32)}`;
    return `ip:${r.ip ?? 'unknown'}`;
  }

  /** Called by the base guard once per throttler that applies: only collects the counter. */
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker } = props;
    const req = context.switchToHttp().getRequest<PendingRequest>();
    const name = throttler.name ?? 'default';
    const ownBudget = limit !== throttler.limit || ttl !== throttler.ttl;
    const scope = ownBudget ? `${context.getClass().name}.${context.getHandler().name}:` : '';
    const key = `${this.config.redis.keyPrefix}rl:${name}:${scope}${await getTracker(req, context)}`;
    req[PENDING]?.push({ key, ttl, limit, blockDuration, name });
    return true;
  }
}
