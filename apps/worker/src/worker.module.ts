import { type DynamicModule, Module } from '@nestjs/common';
import { CheckSchedulerModule } from '@vigil/checks';
import { LoggingModule } from '@vigil/common';
import { ConfigModule, type VigilConfig } from '@vigil/config';
import { DatabaseModule } from '@vigil/database';
import { EventsModule } from '@vigil/events';
import { IncidentsModule } from '@vigil/incidents';
import { RedisModule } from '@vigil/redis';
import { RetentionModule, RollupCompactionModule, UptimeModule } from '@vigil/uptime';

/** Composition root of a check worker: scheduler and checker, no HTTP. Run as many as needed. */
@Module({})
export class WorkerModule {
  static register(config: VigilConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        RedisModule,
        EventsModule,
        DatabaseModule,
        CheckSchedulerModule,
        IncidentsModule,
        UptimeModule,
        RetentionModule,
        RollupCompactionModule,
      ],
    };
  }
}
