import type { ExpectedStatus } from '@vigil/endpoints';

/**
 * Whether a status code is what the endpoint expects: a code (`200`), a class (`"2xx"`), a code given as
 * text (`"204"`) or a list mixing them (`[200, "3xx"]`). Anything else matches nothing.
 */
export function matchesExpectedStatus(status: number, expected: ExpectedStatus): boolean {
  const items = Array.isArray(expected) ? expected : [expected];
  return items.some((item) => matchesOne(status, item));
}

/** `200`, `"2xx"`, `"200, 204 or 3xx"`: for failure messages. */
export function describeExpectedStatus(expected: ExpectedStatus): string {
  const items = (Array.isArray(expected) ? expected : [expected]).map(String);
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}` : (items[0] ?? 'nothing');
}

function matchesOne(status: number, item: number | string): boolean {
  if (typeof item === 'number') return status === item;
  const text = item.trim().toLowerCase();
  const range = /^([1-5])xx$/.exec(text);
  if (range) return Math.floor(status / 100) === Number(range[1]);
  return /^\d{3}$/.test(text) && status === Number(text);
}
