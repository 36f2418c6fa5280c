import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { EventBus, EventHandler } from './event-bus';

/** In-process delivery: used without Redis, and as the local fan-out of the Redis bus. */
export class LocalEventBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly logger = new Logger('Events');

  async publish<T>(channel: string, payload: T): Promise<void> {
    this.deliver(channel, payload);
  }

  async publishMany<T>(channel: string, payloads: readonly T[]): Promise<void> {
    for (const payload of payloads) this.deliver(channel, payload);
  }

  deliver(channel: string, payload: unknown): void {
    for (const listener of this.emitter.listeners(channel)) {
      try {
        (listener as EventHandler)(payload);
      } catch (err) {
        this.logger.error({ err, msg: `event handler for ${channel} failed` });
      }
    }
  }

  subscribe<T>(channel: string, handler: EventHandler<T>): () => void {
    this.emitter.on(channel, handler as EventHandler);
    return () => this.emitter.off(channel, handler as EventHandler);
  }

  listenerCount(channel: string): number {
    return this.emitter.listenerCount(channel);
  }
}
