import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ApiKeyGuard, AuthModule } from '@vigil/auth';
import { CheckSchedulerModule, ChecksModule } from '@vigil/checks';
import {
  AllExceptionsFilter,
  ApiKeyThrottlerGuard,
  EnvelopeInterceptor,
  IdempotencyInterceptor,
  ipTracker,
  PER_IP_THROTTLER,
  IdempotencyStore,
  LoggingModule,
  MetaController,
  ResilientThrottlerStorage,
  ResponseInterceptor,
  VigilValidationPipe,
} from '@vigil/common';
import { ConfigModule, VigilConfig } from '@vigil/config';
import { DatabaseModule } from '@vigil/database';
import { EndpointsModule } from '@vigil/endpoints';
import { EventsModule } from '@vigil/events';
import { IncidentsModule } from '@vigil/incidents';
import { LiveModule } from '@vigil/live';
import { RedisModule, RedisService } from '@vigil/redis';
import { RetentionModule, RollupCompactionModule, UptimeModule } from '@vigil/uptime';
import { BootstrapKeys } from './bootstrap-keys';
import { ErrorsPageController } from './ops/errors-page.controller';
import { HttpMetrics } from './ops/http-metrics';
import { OpsController } from './ops/ops.controller';
import { UnknownRouteFallback } from './ops/unknown-route-fallback';

/** Composition root of the HTTP + WebSocket server: wiring only, no rules. */
@Module({})
export class AppModule {
  static register(config: VigilConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        RedisModule,
        EventsModule,
        DatabaseModule,
        ThrottlerModule.forRootAsync({
          inject: [VigilConfig, RedisService],
          useFactory: (cfg: VigilConfig, redis: RedisService) => ({
            throttlers: [
              { name: 'default', ttl: cfg.rateLimit.windowS * 1000, limit: cfg.rateLimit.limit },
              { name: PER_IP_THROTTLER, ttl: cfg.rateLimit.windowS * 1000, limit: cfg.rateLimit.perIp, getTracker: ipTracker },
            ],
            storage: new ResilientThrottlerStorage(redis, cfg),
          }),
        }),
        AuthModule,
        EndpointsModule,
        ChecksModule,
        LiveModule,
        IncidentsModule,
        UptimeModule,
        // Single-process mode (the quick start): this server also runs the checks.
        ...(config.checks.runInThisProcess ? [CheckSchedulerModule] : []),
        // Retention and rollup compaction run only where checks run (each one run at a time across processes: advisory locks).
        ...(config.checks.runInThisProcess ? [RetentionModule, RollupCompactionModule] : []),
      ],
      controllers: [OpsController, ErrorsPageController, MetaController],
      providers: [
        IdempotencyStore,
        BootstrapKeys,
        HttpMetrics,
        UnknownRouteFallback,
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useClass: VigilValidationPipe },
        // The throttler runs first, so requests with a missing or wrong key are limited too (per IP, or per
        // presented key), and a flood of bad keys never reaches the key lookup.
        { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        // The envelope, and Idempotency-Key around it, as one link of the interceptor chain.
        IdempotencyInterceptor,
        EnvelopeInterceptor,
        { provide: APP_INTERCEPTOR, useClass: ResponseInterceptor },
      ],
    };
  }
}
