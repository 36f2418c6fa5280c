import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Headers, Optional, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Scheduler } from '@vigil/checks';
import { AppError, ErrorCode, Public, RawResponse, VIGIL_VERSION } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { DatabaseHealth } from '@vigil/database';
import { RedisService } from '@vigil/redis';
import { HttpMetrics } from './http-metrics';
import { ReadinessDto, ServiceInfoDto } from './ops.dto';

@ApiTags('ops')
@Public()
// Probes and scrapers poll these: they are not counted against anyone's rate limit.
@SkipThrottle()
@Controller({ version: VERSION_NEUTRAL })
export class OpsController {
  constructor(
    private readonly config: VigilConfig,
    private readonly db: DatabaseHealth,
    private readonly redis: RedisService,
    private readonly metrics: HttpMetrics,
    // Present only when this process runs the checks (RUN_CHECKS=true).
    @Optional() private readonly scheduler?: Scheduler,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Service name, version, API versions and links' })
  info(): ServiceInfoDto {
    const current = this.config.apiVersions.find((v) => v.status !== 'removed')?.version ?? '1';
    return {
      name: 'Vigil',
      version: VIGIL_VERSION,
      description: 'API monitoring service',
      api_versions: this.config.apiVersions.map((v) => ({
        version: v.version,
        status: v.status,
        base_path: `/api/v${v.version}`,
        sunset: v.sunsetAt?.toISOString() ?? null,
      })),
      links: { docs: '/docs', openapi: '/openapi.json', health: '/health', ready: '/ready', metrics: '/metrics', errors: `/api/v${current}/meta/errors` },
    };
  }

  @Get('health')
  @ApiOperation({ summary: 'Liveness: the process is up (touches no dependency)' })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: database and Redis (when configured) answer, the check scheduler (when run here) ticks; 503 SYS_NOT_READY otherwise' })
  async ready(): Promise<ReadinessDto> {
    const [database, redis] = await Promise.all([this.db.ping(), this.redis.enabled ? this.redis.ping() : Promise.resolve(null)]);
    const checks = {
      database: database ? ('up' as const) : ('down' as const),
      redis: redis === null ? ('not_configured' as const) : redis ? ('up' as const) : ('down' as const),
      scheduler: !this.scheduler ? ('not_running' as const) : this.scheduler.isHealthy() ? ('up' as const) : ('down' as const),
    };
    const down = Object.entries(checks).filter(([, state]) => state === 'down');
    if (down.length) {
      throw new AppError(
        ErrorCode.SYS_NOT_READY,
        `Not ready: ${down.map(([name]) => name).join(', ')} down`,
        down.map(([name]) => ({ field: name, message: `${name} is down` })),
      );
    }
    return { status: 'ready', checks };
  }

  @Get('metrics')
  @RawResponse()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiExcludeEndpoint()
  async prometheus(@Headers('authorization') authorization?: string): Promise<string> {
    const key = this.config.http.metricsKey;
    if (key && !safeEqual(authorization ?? '', `Bearer ${key}`)) {
      throw new AppError(
        authorization ? ErrorCode.AUTH_INVALID_TOKEN : ErrorCode.AUTH_MISSING_API_KEY,
        'GET /metrics needs Authorization: Bearer <METRICS_API_KEY>',
      );
    }
    return this.metrics.render();
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
