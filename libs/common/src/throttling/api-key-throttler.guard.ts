import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { VigilConfig } from '@vigil/config';
import type { Response } from 'express';
import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';
import type { VigilRequest } from '../http/vigil-request';

/**
 * The throttler, tracked per API key (per client IP without one), answering the contract's headers:
 * X-RateLimit-Limit/-Remaining/-Reset (epoch seconds) on every limited response, Retry-After on 429.
 * Routes without @Throttle share one budget per caller; a route with its own @Throttle has its own.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly config: VigilConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(): Promise<boolean> {
    return !this.config.rateLimit.enabled;
  }

  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const r = req as VigilRequest;
    return r.principal ? `key:${r.principal.keyId}` : `ip:${r.ip ?? 'unknown'}`;
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker } = props;
    const req = context.switchToHttp().getRequest<VigilRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const name = throttler.name ?? 'default';
    const ownBudget = limit !== throttler.limit || ttl !== throttler.ttl;
    const scope = ownBudget ? `${context.getClass().name}.${context.getHandler().name}:` : '';
    const key = `${this.config.redis.keyPrefix}rl:${name}:${scope}${await getTracker(req, context)}`;

    const record = await this.storageService.increment(key, ttl, limit, blockDuration, name);
    const nowS = Math.floor(Date.now() / 1000);
    res.setHeader('X-RateLimit-Limit', String(limit));
    if (record.isBlocked) {
      const retryAfter = Math.max(1, record.timeToBlockExpire);
      res.setHeader('X-RateLimit-Remaining', '0');
      res.setHeader('X-RateLimit-Reset', String(nowS + retryAfter));
      throw new AppError(ErrorCode.RATE_LIMIT_EXCEEDED, `Rate limit of ${limit} requests per ${Math.round(ttl / 1000)} s exceeded`, undefined, {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    res.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - record.totalHits)));
    res.setHeader('X-RateLimit-Reset', String(nowS + record.timeToExpire));
    return true;
  }
}
