import { Client } from 'pg';
import { TargetServer } from '../support/target-server';
import { ADMIN_KEY, expectEnvelope, startTestStack, type TestApp, type TestStack } from '../support/test-app';

/** Results drive statuses here: no scheduler, manual checks only, so each test makes exactly the results it asserts on. */
export const INCIDENT_SUITE_ENV = { RUN_CHECKS: 'false', RATE_LIMIT_ENABLED: 'false', VIGIL_TARGET_ALLOWLIST: '127.0.0.0/8', STATUS_DOWN_THRESHOLD: '3' };

export const as = (key: string) => ({ 'X-API-Key': key });

/** One suite's stack plus a local target, and the few moves the incident suites repeat. */
export class IncidentWorld {
  stack!: TestStack;
  readonly target = new TargetServer();
  operator = '';
  viewer = '';

  async start(env: Record<string, string> = {}): Promise<void> {
    await this.target.start();
    this.stack = await startTestStack({ ...INCIDENT_SUITE_ENV, ...env });
    this.operator = (await this.stack.createKey('operator')).key;
    this.viewer = (await this.stack.createKey('viewer')).key;
  }

  async stop(): Promise<void> {
    await this.stack?.close();
    await this.target.stop();
  }

  get api(): TestApp['http'] {
    return this.stack.api.http;
  }

  /** An endpoint checking `path` on the target (a `/status/<code>/...` path answers that code). */
  async endpoint(path: string, extra: Record<string, unknown> = {}): Promise<{ id: string; name: string }> {
    const res = await this.api
      .post('/api/v1/endpoints')
      .set(as(ADMIN_KEY))
      .send({ name: `ep-${Math.random().toString(36).slice(2, 10)}`, url: this.target.url(path), interval: 60, timeout: 2, ...extra });
    if (res.status !== 201) throw new Error(`could not create an endpoint: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  }

  /** Points the endpoint at another path (e.g. from /status/500 to /status/200 to make it recover). */
  async setPath(id: string, path: string): Promise<void> {
    const res = await this.api
      .patch(`/api/v1/endpoints/${id}`)
      .set(as(ADMIN_KEY))
      .send({ url: this.target.url(path) });
    if (res.status !== 200) throw new Error(`could not change the URL: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Runs one manual check through CheckRecorder (on `app`, default the first instance) and returns the stored result. */
  async check(id: string, app: TestApp = this.stack.api): Promise<{ id: string; checked_at: string; success: boolean }> {
    const res = await app.http.post(`/api/v1/endpoints/${id}/check`).set(as(this.operator));
    if (res.status !== 200) throw new Error(`check failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  }

  async checks(id: string, n: number): Promise<Array<{ id: string; checked_at: string; success: boolean }>> {
    const results = [];
    for (let i = 0; i < n; i++) results.push(await this.check(id));
    return results;
  }

  async incidents(query: Record<string, string> = {}): Promise<any[]> {
    const res = await this.api.get('/api/v1/incidents').query(query).set(as(this.viewer));
    if (res.status !== 200) throw new Error(`list failed: ${res.status} ${JSON.stringify(res.body)}`);
    return expectEnvelope(res.body);
  }

  async incident(id: string): Promise<any> {
    const res = await this.api.get(`/api/v1/incidents/${id}`).set(as(this.viewer));
    if (res.status !== 200) throw new Error(`get failed: ${res.status} ${JSON.stringify(res.body)}`);
    return expectEnvelope(res.body);
  }

  async query<T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.stack.db.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** `check_results.in_maintenance` of stored results, by result id. */
  async maintenanceMarks(resultIds: string[]): Promise<boolean[]> {
    const rows = await this.query<{ id: string; in_maintenance: boolean }>(`SELECT id::text, in_maintenance FROM check_results WHERE id = ANY($1::bigint[])`, [
      resultIds,
    ]);
    const byId = new Map(rows.map((r) => [r.id, r.in_maintenance]));
    return resultIds.map((id) => byId.get(id) ?? (undefined as unknown as boolean));
  }
}
