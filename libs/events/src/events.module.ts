import { Global, Module } from '@nestjs/common';
import { RedisService } from '@vigil/redis';
import { EventBus } from './event-bus';
import { LocalEventBus } from './local-event-bus';
import { RedisEventBus } from './redis-event-bus';

@Global()
@Module({
  providers: [
    {
      provide: EventBus,
      inject: [RedisService],
      useFactory: (redis: RedisService): EventBus => (redis.enabled ? new RedisEventBus(redis) : new LocalEventBus()),
    },
  ],
  exports: [EventBus],
})
export class EventsModule {}
