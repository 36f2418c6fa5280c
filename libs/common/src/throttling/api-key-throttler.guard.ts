import { createHash } from 'node:crypto';
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
/** A second budget per client IP, whatever key it presents (no headers; 429 when exceeded). */
export const PER_IP_THROTTLER = 'per_ip';
export const ipTracker = (req: Record<string, any>): string => `ip:${(req as VigilRequest).ip ?? 'unknown'}`;

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

  /** Per presented API key (by its hash: the guard runs before the key is checked), per IP without one. */
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const r = req as VigilRequest;
    const key = r.headers['x-api-key'];
    if (typeof key === 'string' && key.trim() !== '') return `key:${createHash('sha256').update(key.trim()).digest('hex').slice(0, 32)}`;
    return `ip:${r.ip ?? 'unknown'}`;
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
    if (name !== 'default') {
      if (record.isBlocked)
        throw this.limitExceeded(`Too many requests from this address (${limit} per ${Math.round(ttl / 1000)} s)`, record.timeToBlockExpire);
      return true;
    }
    res.setHeader('X-RateLimit-Limit', String(limit));
    if (record.isBlocked) {
      const retryAfter = Math.max(1, record.timeToBlockExpire);
      res.setHeader('X-RateLimit-Remaining', '0');
      res.setHeader('X-RateLimit-Reset', String(nowS + retryAfter));
      throw this.limitExceeded(`Rate limit of ${limit} requests per ${Math.round(ttl / 1000)} s exceeded`, retryAfter);
    }
    res.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - record.totalHits)));
    res.setHeader('X-RateLimit-Reset', String(nowS + record.timeToExpire));
    return true;
  }

  private limitExceeded(message: string, retryAfterS: number): AppError {
    return new AppError(ErrorCode.RATE_LIMIT_EXCEEDED, message, undefined, { headers: { 'Retry-After': String(Math.max(1, retryAfterS)) } });
  }
}
