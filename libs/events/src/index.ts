export { EventBus, type EventHandler } from './event-bus';
export { EventsModule } from './events.module';
export { LocalEventBus } from './local-event-bus';
export { RedisEventBus } from './redis-event-bus';
export * from './vigil-events';
