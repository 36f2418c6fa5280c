export type EventHandler<T = unknown> = (payload: T) => void;

/**
 * Cross-instance events (check results, status changes, key revocations...). Redis pub/sub when
 * REDIS_URL is set, so a listener on any instance hears what any other one published; in-process otherwise.
 */
export abstract class EventBus {
  abstract publish<T>(channel: string, payload: T): Promise<void>;
  /**
   * Publishes several events of one channel at once (a batch of check results): listeners receive each
   * payload on its own, exactly as if each had been published, but the transport carries them together.
   */
  abstract publishMany<T>(channel: string, payloads: readonly T[]): Promise<void>;
  /** Returns a function that removes the handler. */
  abstract subscribe<T>(channel: string, handler: EventHandler<T>): () => void;
}
