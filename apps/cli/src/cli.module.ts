import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@vigil/auth';
import { ConfigModule, type VigilConfig } from '@vigil/config';
import { DatabaseModule } from '@vigil/database';
import { EndpointsModule } from '@vigil/endpoints';
import { EventsModule } from '@vigil/events';
import { RedisModule } from '@vigil/redis';

/** What the command line needs: the database, events (revocations and status changes reach running servers) and the features. */
@Module({})
export class CliModule {
  static register(config: VigilConfig): DynamicModule {
    return { module: CliModule, imports: [ConfigModule.forRoot(config), RedisModule, EventsModule, DatabaseModule, AuthModule, EndpointsModule] };
  }
}
