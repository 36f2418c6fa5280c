import { CheckRecorder } from '@vigil/checks';
import { Client } from 'pg';
import { ADMIN_KEY, startTestStack, type TestStack } from '../../support/test-app';
import { type PlannedCheck, recordScheduled, type Sql } from './uptime-fixtures';

/** An API stack for the uptime suites (no scheduler, no rate limit) and the seams they seed data through. */
export interface UptimeStack {
  stack: TestStack;
  sql: Sql;
  /** Creates an endpoint through the API. */
  createEndpoint(extra?: Record<string, unknown>): Promise<{ id: string; name: string }>;
  /** Stores checks through the app's own CheckRecorder (scheduled batches), as a worker does. */
  record(checks: PlannedCheck[]): Promise<number>;
  close(): Promise<void>;
}

export async function startUptimeStack(env: Record<string, string> = {}): Promise<UptimeStack> {
  const stack = await startTestStack({ RUN_CHECKS: 'false', RATE_LIMIT_ENABLED: 'false', ...env });
  const client = new Client({ connectionString: stack.db.url });
  await client.connect();
  const sql: Sql = async (text, params) => (await client.query(text, params as unknown[])).rows;
  return {
    stack,
    sql,
    async createEndpoint(extra = {}) {
      const res = await stack.api.http
        .post('/api/v1/endpoints')
        .set('X-API-Key', ADMIN_KEY)
        .send({ name: `uptime-${Math.random().toString(36).slice(2, 10)}`, url: 'https://api.example.com/health', ...extra });
      if (res.status !== 201) throw new Error(`could not create an endpoint: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.data;
    },
    record: (checks) => recordScheduled(sql, stack.api.app.get(CheckRecorder), checks),
    async close() {
      await client.end().catch(() => undefined);
      await stack.close();
    },
  };
}
