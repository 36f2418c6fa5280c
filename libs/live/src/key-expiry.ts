/** setTimeout's longest delay (about 24.8 days); Node fires a longer one at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `onExpiry` once the clock has reached `expiresAt` (epoch ms): one timer per connection, waiting in
 * steps of at most MAX_TIMER_MS for an expiry further off. Returns the function that cancels it. The timer
 * never keeps the process alive.
 */
export function onKeyExpiry(expiresAt: number, onExpiry: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const wait = expiresAt - Date.now();
    if (wait <= 0) return onExpiry();
    timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS)).unref();
  };
  arm();
  return () => clearTimeout(timer);
}
