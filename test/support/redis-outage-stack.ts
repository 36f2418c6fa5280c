import { TcpProxy } from './tcp-proxy';
import { startTestStack, type TestApp, type TestStack } from './test-app';
import { testEnv } from './test-env';

export interface RedisOutageStack {
  /** Every instance reaches Redis through it: stopping it is a Redis outage for all of them, resume() ends it. */
  proxy: TcpProxy;
  stack: TestStack;
  /** Instances with REDIS_FAILURE_MODE=fallback and =open. */
  fallback: TestApp;
  open: TestApp;
  close(): Promise<void>;
}

/** A test stack on a real Redis behind a proxy, with one instance per REDIS_FAILURE_MODE (both with `instanceEnv`). */
export async function startRedisOutageStack(env: Record<string, string>, instanceEnv: Record<string, string>): Promise<RedisOutageStack> {
  const { proxy, url } = await TcpProxy.startFor(testEnv.redisUrl!, 6379);
  const stack = await startTestStack({ ...env, REDIS_URL: url });
  const fallback = await stack.startInstance({ ...instanceEnv, REDIS_FAILURE_MODE: 'fallback' });
  const open = await stack.startInstance({ ...instanceEnv, REDIS_FAILURE_MODE: 'open' });
  return {
    proxy,
    stack,
    fallback,
    open,
    async close() {
      await stack.close();
      await proxy.stop();
    },
  };
}
