import { EventBus, type EndpointStatusChangedEvent, VigilEvents } from '@vigil/events';
import { Client } from 'pg';
import type { TestApp } from '../support/test-app';

/** What the endpoint suites set on their API: no checks run (targets are not reachable), no rate limit. */
export const ENDPOINT_SUITE_ENV = { RUN_CHECKS: 'false', RATE_LIMIT_ENABLED: 'false' };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function query<T = Record<string, any>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A valid definition with a unique name; `extra` overrides or adds fields. */
export function endpointBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: `ep-${Math.random().toString(36).slice(2, 10)}`, url: 'https://api.example.com/health', ...extra };
}

/** Records EndpointStatusChanged events heard by an instance's event bus (through Redis when configured). */
export async function listenToStatusChanges(api: TestApp): Promise<{ events: EndpointStatusChangedEvent[]; stop(): void }> {
  const bus = api.app.get(EventBus);
  const events: EndpointStatusChangedEvent[] = [];
  let ready = false;
  const stop = bus.subscribe<EndpointStatusChangedEvent>(VigilEvents.EndpointStatusChanged, (e) => {
    if (e.endpoint_id === 'probe') ready = true;
    else events.push(e);
  });
  // A Redis subscription is live a moment after subscribe(): probe until one comes back.
  for (let i = 0; i < 50 && !ready; i++) {
    await bus.publish(VigilEvents.EndpointStatusChanged, { endpoint_id: 'probe' });
    await sleep(50);
  }
  if (!ready) throw new Error('the event bus never delivered the probe');
  return { events, stop };
}

/** Waits until `predicate` holds (events arrive asynchronously through Redis). */
export async function eventually(predicate: () => boolean, withinMs = 3000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!predicate() && Date.now() < deadline) await sleep(25);
  expect(predicate()).toBe(true);
}
