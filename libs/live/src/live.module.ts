import { Module } from '@nestjs/common';

/** The /ws/live WebSocket stream and its stats route. */
@Module({
  imports: [],
  controllers: [],
  providers: [],
})
export class LiveModule {}
