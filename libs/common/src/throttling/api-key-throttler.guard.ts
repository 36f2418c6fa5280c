import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerRequest } from '@nestjs/throttler';
import { VigilConfig } from '@vigil/config';
import type { Response } from 'express';
import { PerRoute } from '../http/per-route';
import { clientIp } from '../http/client-ip';
import { presentedApiKey } from '../http/presented-api-key';
import type { VigilRequest } from '../http/vigil-request';
import { rateLimitVerdict } from './rate-limit-verdict';
import type { CounterRequest, ResilientThrottlerStorage } from './resilient-throttler.storage';

/** A second budget per client IP, whatever key it presents (no headers; 429 when exceeded). */
export const PER_IP_THROTTLER = 'per_ip';
export const ipTracker = (req: Record<string, any>): string => `ip:${clientIp(req as VigilRequest) ?? 'unknown'}`;
/** Who a budget is counted for: the presented API key (by its hash, valid or not), else the client IP. */
export const callerTracker = (keyHash: string | null, ip: string | undefined): string => (keyHash ? `key:${keyHash.slice(0, 32)}` : `ip:${ip ?? 'unknown'}`);
/** The Redis key of one counter: `scope` is '' for the caller's shared budget, `Class.handler:` for a budget of its own. */
export const counterKey = (prefix: string, name: string, scope: string, tracker: string): string => `${prefix}rl:${name}:${scope}${tracker}`;

const PLANNING = Symbol('vigil:rate-limit-plan');
type PlanningRequest = VigilRequest & { [PLANNING]?: CounterPlan[] };

/** One counter a route's requests are counted on, as @nestjs/throttler resolves it for that route. */
interface CounterPlan {
  name: string;
  limit: number;
  ttl: number;
  blockDuration: number;
  /** The Redis key of the counter up to its tracker (counterKey without the tracker): resolved once per route. */
  keyPrefix: string;
  tracker: (req: Record<string, any>, context: ExecutionContext) => Promise<string> | string;
  /** The same tracker when it is known to answer at once (ours: the caller, or the client IP); saves a microtask per request. */
  syncTracker: ((req: Record<string, any>) => string) | undefined;
}

/**
 * The throttler, tracked per presented API key (per client IP without one), answering the contract's
 * headers: X-RateLimit-Limit/-Remaining/-Reset (epoch seconds) on every limited response, Retry-After on
 * 429. Routes without @Throttle share one budget per caller; a route with its own @Throttle has its own.
 * @nestjs/throttler resolves the throttlers, limits and skips of a route once (its decorators are static);
 * each request then counts all of them in one storage call.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  /** Per route: the counters its requests are counted on. */
  private readonly plans = new PerRoute<CounterPlan[]>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() private readonly counters: ResilientThrottlerStorage,
    reflector: Reflector,
    private readonly config: VigilConfig,
  ) {
    super(options, counters, reflector);
  }

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    // Plans are resolved once per route, so nothing may depend on the request beyond the tracker.
    if (this.throttlers.some((t) => t.skipIf || typeof t.limit === 'function' || typeof t.ttl === 'function') || this.commonOptions.skipIf) {
      throw new Error('ApiKeyThrottlerGuard resolves limits once per route: skipIf and function-valued limits are not supported');
    }
  }

  /** Runs on every request: after a route's first, it awaits nothing unless a counter needs Redis (incrementAllNow). */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.config.rateLimit.enabled) return true;
    const plan = this.plans.peek(context) ?? (await this.planFor(context));
    if (!plan.length) return true;
    const req = context.switchToHttp().getRequest<VigilRequest>();
    const pending: CounterRequest[] = [];
    for (const p of plan) {
      const tracker = p.syncTracker ? p.syncTracker(req) : await p.tracker(req, context);
      pending.push({ key: p.keyPrefix + tracker, ttl: p.ttl, limit: p.limit, blockDuration: p.blockDuration, name: p.name });
    }
    const records = this.counters.incrementAllNow(pending) ?? (await this.counters.incrementAll(pending));
    const verdict = rateLimitVerdict(pending, records);
    const res = context.switchToHttp().getResponse<Response>();
    for (const [name, value] of Object.entries(verdict.headers)) res.setHeader(name, value);
    if (verdict.refusal) throw verdict.refusal;
    return true;
  }

  /** The route's counters, on its first request: resolved by the base guard (handleRequest collects them). */
  private async planFor(context: ExecutionContext): Promise<CounterPlan[]> {
    const req = context.switchToHttp().getRequest<PlanningRequest>();
    req[PLANNING] = [];
    await super.canActivate(context);
    const plan = req[PLANNING];
    delete req[PLANNING];
    this.plans.set(context, plan);
    return plan;
  }

  /** Per presented API key (by its hash: the guard runs before the key is checked), per IP without one. */
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    return this.callerOf(req);
  }

  /** The client IP is only worked out (proxy-addr, per trust proxy) when no key is presented. */
  private readonly callerOf = (req: Record<string, any>): string => {
    const keyHash = presentedApiKey(req as VigilRequest)?.hash ?? null;
    return callerTracker(keyHash, keyHash ? undefined : clientIp(req as VigilRequest));
  };

  /** Called by the base guard, once per throttler that applies to a route being planned: records the counter. */
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker } = props;
    const name = throttler.name ?? 'default';
    const ownBudget = limit !== throttler.limit || ttl !== throttler.ttl;
    const scope = ownBudget ? `${context.getClass().name}.${context.getHandler().name}:` : '';
    const own = throttler.getTracker ?? this.commonOptions.getTracker;
    const syncTracker = own === ipTracker ? ipTracker : own === undefined ? this.callerOf : undefined;
    const keyPrefix = counterKey(this.config.redis.keyPrefix, name, scope, '');
    context.switchToHttp().getRequest<PlanningRequest>()[PLANNING]?.push({ name, limit, ttl, blockDuration, keyPrefix, tracker: getTracker, syncTracker });
    return true;
  }
}
