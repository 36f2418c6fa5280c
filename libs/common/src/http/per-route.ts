import type { ExecutionContext } from '@nestjs/common';

/**
 * A value worked out once per route (controller class + handler) and reused for every request to it:
 * for what a guard or interceptor reads from a route's decorators, which never change after start-up.
 */
export class PerRoute<T> {
  private readonly byClass = new WeakMap<object, WeakMap<object, T>>();

  get(context: ExecutionContext, compute: () => T): T {
    const classRef = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.byClass.get(classRef);
    if (byHandler?.has(handler)) return byHandler.get(handler)!;
    const value = compute();
    if (!byHandler) this.byClass.set(classRef, (byHandler = new WeakMap()));
    byHandler.set(handler, value);
    return value;
  }

  /** Stores a value worked out asynchronously (e.g. by the request that first reached the route). */
  set(context: ExecutionContext, value: T): void {
    const classRef = context.getClass();
    let byHandler = this.byClass.get(classRef);
    if (!byHandler) this.byClass.set(classRef, (byHandler = new WeakMap()));
    byHandler.set(context.getHandler(), value);
  }

  peek(context: ExecutionContext): T | undefined {
    return this.byClass.get(context.getClass())?.get(context.getHandler());
  }
}
