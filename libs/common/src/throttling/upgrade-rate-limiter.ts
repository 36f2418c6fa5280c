import type { IncomingMessage } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { InjectThrottlerStorage } from '@nestjs/throttler';
import { VigilConfig } from '@vigil/config';
import { AppError } from '../errors/app-error';
import { errorEnvelope } from '../errors/error-envelope';
import { ErrorCode } from '../errors/error-codes';
import { requestIdFrom } from '../http/request-id.middleware';
import { callerTracker, counterKey, PER_IP_THROTTLER } from './api-key-throttler.guard';
import { rateLimitVerdict } from './rate-limit-verdict';
import type { CounterRequest, ResilientThrottlerStorage } from './resilient-throttler.storage';

/** An HTTP answer to write in place of the 101 Switching Protocols: the error envelope as JSON and its headers. */
export interface UpgradeRefusal {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** Headers for the 101 (X-Request-ID, X-RateLimit-*), or the refusal to answer instead. */
export type UpgradeVerdict = { admitted: true; headers: Record<string, string> } | { admitted: false; refusal: UpgradeRefusal };

/**
 * Rate limits for WebSocket upgrades, which never pass the HTTP guards. The same counters as
 * ApiKeyThrottlerGuard (shared through Redis in leases, with REDIS_FAILURE_MODE when Redis is down) and the same
 * trackers: one hit on the budget of `scope`, per presented key (valid or not, by its hash) or per client IP
 * without one, and one on the per-IP cap that every HTTP request of that address counts on too.
 */
@Injectable()
export class UpgradeRateLimiter {
  private readonly logger = new Logger('RateLimit');

  constructor(
    @InjectThrottlerStorage() private readonly counters: ResilientThrottlerStorage,
    private readonly config: VigilConfig,
  ) {}

  /** Counts one upgrade. Never rejects: a failure to count is a 500 refusal, as it would be on an HTTP route. */
  async check(request: IncomingMessage, scope: string, limit: number, keyHash: string | null): Promise<UpgradeVerdict> {
    const requestId = requestIdFrom(request.headers['x-request-id']);
    const { enabled, windowS, perIp } = this.config.rateLimit;
    if (!enabled) return { admitted: true, headers: { 'X-Request-ID': requestId } };
    const ip = request.socket.remoteAddress;
    const ttl = windowS * 1000;
    const prefix = this.config.redis.keyPrefix;
    const pending: CounterRequest[] = [
      { key: counterKey(prefix, 'default', `${scope}:`, callerTracker(keyHash, ip)), ttl, limit, blockDuration: ttl, name: 'default' },
      { key: counterKey(prefix, PER_IP_THROTTLER, '', callerTracker(null, ip)), ttl, limit: perIp, blockDuration: ttl, name: PER_IP_THROTTLER },
    ];
    try {
      const verdict = rateLimitVerdict(pending, await this.counters.incrementAll(pending), 'connections');
      const headers = { 'X-Request-ID': requestId, ...verdict.headers };
      return verdict.refusal ? { admitted: false, refusal: refusal(verdict.refusal, requestId, headers) } : { admitted: true, headers };
    } catch (err) {
      this.logger.error({ request_id: requestId, err, msg: `could not count the upgrade of ${scope}` });
      return { admitted: false, refusal: refusal(new AppError(ErrorCode.SYS_INTERNAL_ERROR), requestId, { 'X-Request-ID': requestId }) };
    }
  }
}

function refusal(error: AppError, requestId: string, headers: Record<string, string>): UpgradeRefusal {
  const meta = { timestamp: new Date().toISOString(), request_id: requestId, api_version: null };
  return {
    status: error.status,
    body: JSON.stringify(errorEnvelope(error, meta)),
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers, ...error.headers },
  };
}
