import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@vigil/common';
import { loadConfig, type VigilConfig } from '@vigil/config';
import { MonitorsFileService } from '@vigil/endpoints';
import { EX_DATAERR, EX_NOINPUT, EX_USAGE, runCli } from '../../apps/cli/src/cli';
import { ADMIN_KEY, expectEnvelope, expectError, startTestStack, type TestStack } from '../support/test-app';
import { testEnv } from '../support/test-env';
import { ENDPOINT_SUITE_ENV, query } from './endpoint-fixtures';

const TOKEN = 'Bearer file-s3cr3t-0123456789';

const FIRST = `
endpoints:
  - name: "Status API"
    url: "https://api.example.com/status"
    method: "GET"
    interval: 60
    timeout: 5
    expected_status: 200
  - name: orders
    url: https://orders.example.com/health
    interval: 30
    timeout: 2.5
    expected_status: [200, "3xx"]
    headers:
      Authorization: "${TOKEN}"
    tags: [Shop]
    retry: { count: 2 }
    assertions:
      - { type: json_path, path: $.status, operator: eq, value: UP }
  - name: legacy
    url: https://legacy.example.com/
    method: POST
    body:
      ping: test
    is_active: false
`;

/** The same file with: orders' interval changed, legacy removed, billing added, Status API as it was. */
const SECOND = `
endpoints:
  - name: "Status API"
    url: "https://api.example.com/status"
    method: "GET"
    interval: 60
    timeout: 5
    expected_status: 200
  - name: orders
    url: https://orders.example.com/health
    interval: 120
    timeout: 2.5
    expected_status: [200, "3xx"]
    headers:
      Authorization: "${TOKEN}"
    tags: [shop]
    retry: { count: 2, initial_backoff_ms: 500, factor: 2 }
    assertions:
      - { type: json_path, path: $.status, operator: eq, value: UP }
    is_active: false
  - name: billing
    url: https://billing.example.com/health
`;

describe('monitors file (config as code)', () => {
  let stack: TestStack;
  let dir: string;
  let files: MonitorsFileService;
  let cliConfig: VigilConfig;

  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const rows = (source?: string) =>
    query(
      stack.db.url,
      `SELECT name, source, interval_s, is_active, status, headers, updated_at FROM endpoints WHERE $1::text IS NULL OR source = $1 ORDER BY name COLLATE "C"`,
      [source ?? null],
    );
  const count = async () => (await query(stack.db.url, 'SELECT count(*)::int AS n FROM endpoints'))[0].n as number;

  async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, () => cliConfig, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  }

  /** The AppError a promise rejects with. */
  async function failure(promise: Promise<unknown>): Promise<AppError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-monitors-'));
    stack = await startTestStack(ENDPOINT_SUITE_ENV);
    files = stack.api.app.get(MonitorsFileService);
    cliConfig = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: stack.db.url,
      REDIS_URL: testEnv.redisUrl,
      REDIS_KEY_PREFIX: stack.redisPrefix,
      ...ENDPOINT_SUITE_ENV,
    });
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('plan, apply, re-apply', () => {
    let file: string;
    let apiEndpointId: string;

    beforeAll(async () => {
      file = write('shop.yaml', FIRST);
      const res = await stack.api.http
        .post('/api/v1/endpoints')
        .set('X-API-Key', ADMIN_KEY)
        .send({ name: 'made through the API', url: 'https://api-made.example.com/' });
      apiEndpointId = res.body.data.id;
    });

    it('--dry-run prints what would be created and writes nothing', async () => {
      const before = await count();
      const run = await cli('apply', file, '--dry-run');
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      expect(run.stdout).toBe(
        [
          `Monitors file ${file} (file:${file}):`,
          '  + create     Status API',
          '  + create     legacy',
          '  + create     orders',
          '3 to create, 0 to update, 0 to delete, 0 unchanged',
          'Dry run: nothing was changed.',
          '',
        ].join('\n'),
      );
      expect(await count()).toBe(before);
    });

    it('apply creates the endpoints, marked with their source, and never prints a secret', async () => {
      const run = await cli('apply', file);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('3 to create');
      expect(run.stdout).toContain('Applied.');
      expect(run.stdout + run.stderr).not.toContain('s3cr3t');
      const stored = await rows(`file:${file}`);
      expect(stored.map((r) => [r.name, r.interval_s, r.is_active, r.status])).toEqual([
        ['Status API', 60, true, 'pending'],
        ['legacy', 60, false, 'paused'],
        ['orders', 30, true, 'pending'],
      ]);
      expect(stored.find((r) => r.name === 'orders')!.headers).toEqual({ Authorization: TOKEN });

      const list = await stack.api.http.get('/api/v1/endpoints?search=orders.example').set('X-API-Key', ADMIN_KEY);
      expect(expectEnvelope(list.body)[0]).toMatchObject({
        source: `file:${file}`,
        headers: { Authorization: 'Bearer ***' },
        tags: ['shop'],
        timeout: 2.5,
        expected_status: [200, '3xx'],
        retry: { count: 2, initial_backoff_ms: 500, factor: 2 },
        assertions: [{ type: 'json_path', path: '$.status', operator: 'eq', value: 'UP' }],
      });
    });

    it('a second apply of the same file changes nothing', async () => {
      const before = await rows();
      const plan = await files.apply(file);
      expect(plan).toEqual({ file, source: `file:${file}`, create: [], update: [], delete: [], unchanged: ['Status API', 'legacy', 'orders'] });
      expect(await rows()).toEqual(before);
    });

    it('plans create, update (naming the fields), delete and unchanged after the file changes, then applies it', async () => {
      write('shop.yaml', SECOND);
      const plan = await files.plan(file);
      expect(plan).toEqual({
        file,
        source: `file:${file}`,
        create: ['billing'],
        update: [{ name: 'orders', changes: ['interval', 'is_active'] }],
        delete: ['legacy'],
        unchanged: ['Status API'],
      });
      const run = await cli('apply', file);
      expect(run.stdout).toContain('  ~ update     orders (interval, is_active)');
      expect(run.stdout).toContain('  - delete     legacy');
      expect(run.stdout).toContain('  + create     billing');
      expect(run.stdout).toContain('  = unchanged  Status API');
      expect((await rows(`file:${file}`)).map((r) => [r.name, r.interval_s, r.status])).toEqual([
        ['Status API', 60, 'pending'],
        ['billing', 60, 'pending'],
        ['orders', 120, 'paused'],
      ]);
      expect((await files.plan(file)).unchanged).toEqual(['Status API', 'billing', 'orders']);
    });

    it('never touches endpoints created through the API', async () => {
      const got = await stack.api.http.get(`/api/v1/endpoints/${apiEndpointId}`).set('X-API-Key', ADMIN_KEY);
      expect(got.body.data).toMatchObject({ name: 'made through the API', source: 'api' });
      write('empty.yaml', 'endpoints: []\n');
      expect(await files.apply(join(dir, 'empty.yaml'))).toMatchObject({ create: [], delete: [] });
      expect((await stack.api.http.get(`/api/v1/endpoints/${apiEndpointId}`).set('X-API-Key', ADMIN_KEY)).status).toBe(200);
    });

    it('refuses a file that claims the name of an API endpoint (or of another file), changing nothing', async () => {
      const before = await rows();
      const clash = write(
        'clash.yaml',
        `endpoints:\n  - name: new one\n    url: https://n.example.com/\n  - name: made through the API\n    url: https://x.example.com/\n  - name: orders\n    url: https://o.example.com/\n`,
      );
      const run = await cli('apply', clash);
      expect(run.code).toBe(EX_DATAERR);
      expect(run.stderr).toContain(`Monitors file ${clash} is invalid`);
      expect(run.stderr).toContain('endpoints[1].name: an endpoint named "made through the API" already exists and is not managed by this file (source: api)');
      expect(run.stderr).toContain(`endpoints[2].name: an endpoint named "orders" already exists and is not managed by this file (source: file:${file})`);
      expect(await rows()).toEqual(before);
    });

    it('keeps file endpoints read-only through the API, except pause and resume', async () => {
      const [orders] = await query(stack.db.url, `SELECT id FROM endpoints WHERE name = 'billing'`);
      const id = orders.id as string;
      const conflict = (res: { status: number; body: any }) => expect(expectError(res, 409, 'RES_CONFLICT').message).toContain('managed by file:');
      conflict(await stack.api.http.patch(`/api/v1/endpoints/${id}`).set('X-API-Key', ADMIN_KEY).send({ interval: 300 }));
      conflict(await stack.api.http.put(`/api/v1/endpoints/${id}`).set('X-API-Key', ADMIN_KEY).send({ name: 'billing', url: 'https://b.example.com/' }));
      conflict(await stack.api.http.delete(`/api/v1/endpoints/${id}`).set('X-API-Key', ADMIN_KEY));
      const bulk = await stack.api.http
        .post('/api/v2/endpoints/bulk')
        .set('X-API-Key', ADMIN_KEY)
        .send({ update: [{ id, interval: 300 }] });
      expect(expectError(bulk, 422, 'VAL_ERROR').details[0]).toMatchObject({ field: 'update[0].id', message: expect.stringContaining('managed by file:') });
      const paused = await stack.api.http.post(`/api/v1/endpoints/${id}/pause`).set('X-API-Key', ADMIN_KEY);
      expect(paused.body.data.status).toBe('paused');
      // The file wins at the next apply: is_active comes back from it.
      expect(await files.plan(file)).toMatchObject({ update: [{ name: 'billing', changes: ['is_active'] }] });
      await files.apply(file);
      expect((await stack.api.http.get(`/api/v1/endpoints/${id}`).set('X-API-Key', ADMIN_KEY)).body.data.status).toBe('pending');
    });
  });

  describe('invalid files', () => {
    const invalidDetails = async (text: string) => {
      const before = await rows();
      const err = await failure(files.apply(write('bad.yaml', text)));
      expect(err.status).toBe(422);
      expect(await rows()).toEqual(before);
      return err.details!.map((d) => `${d.field}: ${d.message}`);
    };

    it('names the item and field of each problem, with the same rules as the API', async () => {
      const details = await invalidDetails(`
endpoints:
  - name: ok
    url: https://ok.example.com/
  - name: slow
    url: https://slow.example.com/
    interval: 5
  - name: metadata
    url: http://169.254.169.254/latest/
  - name: typo
    url: https://typo.example.com/
    intervall: 60
  - name: bad-assertion
    url: https://a.example.com/
    assertions:
      - { type: status, operator: eq, value: 200 }
      - { type: status, operator: matches, value: 200 }
  - name: ok
    url: https://dup.example.com/
  - name: masked
    url: https://m.example.com/
    headers: { X-Api-Key: "***" }
  - just a string
`);
      expect(details).toEqual([
        'endpoints[1].interval: interval must not be less than 10',
        expect.stringMatching(/^endpoints\[2\]\.url: url is not allowed: 169\.254\.169\.254 is a cloud metadata address/),
        'endpoints[3].intervall: unknown field intervall is not allowed',
        'endpoints[4].assertions[1].operator: operator must be one of eq, ne, lt, lte, gt, gte, in for a status assertion',
        'endpoints[5].name: name "ok" is also used by endpoints[0]',
        expect.stringContaining('endpoints[6].headers: headers.X-Api-Key is a masked value'),
        'endpoints[7]: endpoints[7] must be a mapping of endpoint fields',
      ]);
    });

    it('reports an interval under CHECK_MIN_INTERVAL_S with the DTO errors of the same item, in apply and in the CLI', async () => {
      const text = 'endpoints:\n  - name: both\n    url: https://both.example.com/\n    method: NOPE\n    interval: 5\n';
      expect(await invalidDetails(text)).toEqual([
        expect.stringMatching(/^endpoints\[0\]\.method: method must be one of/),
        'endpoints[0].interval: interval must not be less than 10',
      ]);
      // The rules across fields too: the timeout against the interval, the literal host.
      expect(await invalidDetails('endpoints:\n  - name: rules\n    url: http://10.0.0.9/\n    method: NOPE\n    interval: 20\n    timeout: 25\n')).toEqual([
        expect.stringMatching(/^endpoints\[0\]\.method: method must be one of/),
        'endpoints[0].timeout: timeout must be less than the interval (20 s)',
        expect.stringMatching(/^endpoints\[0\]\.url: url is not allowed: 10\.0\.0\.9 is a private address/),
      ]);
      const run = await cli('apply', write('bad-min-cli.yaml', text));
      expect(run.code).toBe(EX_DATAERR);
      expect(run.stderr).toMatch(/\n {2}endpoints\[0\]\.method: method must be one of .*\n {2}endpoints\[0\]\.interval: interval must not be less than 10\n$/);
    });

    it('reports YAML syntax errors with their line, unknown top-level keys and a non-list', async () => {
      expect((await invalidDetails('endpoints:\n  - name: x\n   url: [unclosed\n'))[0]).toMatch(/^file: .*line \d+/);
      expect(await invalidDetails('endpoints: []\nnotifications:\n  enabled: false\n')).toEqual([
        'notifications: unknown key notifications (a monitors file holds only endpoints)',
      ]);
      expect(await invalidDetails('endpoints:\n  name: x\n')).toEqual(['endpoints: endpoints must be a list']);
      expect(await invalidDetails('- name: x\n')).toEqual(['file: the file must be a mapping with an `endpoints:` list']);
    });

    it('exits 65 from the CLI with each problem on stderr, and 66 for a missing file', async () => {
      const bad = write('bad-cli.yaml', 'endpoints:\n  - name: x\n    url: ftp://x.example.com/\n');
      const run = await cli('apply', bad, '--dry-run');
      expect(run).toEqual({ code: EX_DATAERR, stdout: '', stderr: `Monitors file ${bad} is invalid\n  endpoints[0].url: url must use http or https\n` });
      const missing = await cli('apply', join(dir, 'nope.yaml'));
      expect(missing.code).toBe(EX_NOINPUT);
      expect(missing.stderr).toContain('cannot be read (ENOENT)');
    });

    it.each([
      ['no file', ['apply']],
      ['two files', ['apply', 'a.yaml', 'b.yaml']],
      ['an unknown option', ['apply', 'a.yaml', '--force']],
      ['an option of another command', ['apply', 'a.yaml', '--name', 'x']],
      ['a file given to keys:create', ['keys:create', 'x.yaml', '--name', 'x', '--role', 'admin']],
    ])('exits 64 for apply with %s', async (_what, argv) => {
      expect((await cli(...argv)).code).toBe(EX_USAGE);
    });

    it('treats an empty file as no endpoints', async () => {
      const plan = await files.plan(write('blank.yaml', '# nothing yet\n'));
      expect(plan).toMatchObject({ create: [], update: [], delete: [], unchanged: [] });
    });
  });

  describe('at API start', () => {
    it('applies MONITORS_FILE when the API starts', async () => {
      const file = write('startup.yaml', 'endpoints:\n  - name: from-startup\n    url: https://startup.example.com/\n    tags: [boot]\n');
      const instance = await stack.startInstance({ ...ENDPOINT_SUITE_ENV, MONITORS_FILE: file });
      const res = await instance.http.get('/api/v1/endpoints?tag=boot').set('X-API-Key', ADMIN_KEY);
      expect(expectEnvelope(res.body).map((e: { name: string; source: string }) => [e.name, e.source])).toEqual([['from-startup', `file:${file}`]]);
    });

    it('starts anyway with an invalid file, changing nothing', async () => {
      const before = await rows();
      const file = write('startup-bad.yaml', 'endpoints:\n  - name: broken\n    url: https://b.example.com/\n    interval: 1\n');
      const instance = await stack.startInstance({ ...ENDPOINT_SUITE_ENV, MONITORS_FILE: file });
      expect((await instance.http.get('/health')).status).toBe(200);
      expect(await rows()).toEqual(before);
    });

    it('does nothing when the file does not exist', async () => {
      const before = await rows();
      const instance = await stack.startInstance({ ...ENDPOINT_SUITE_ENV, MONITORS_FILE: join(dir, 'absent.yaml') });
      expect((await instance.http.get('/health')).status).toBe(200);
      expect(await rows()).toEqual(before);
    });
  });

  describe('the shipped config/monitors.yaml', () => {
    it('is valid as shipped: one public example is active, the others are commented out', async () => {
      expect(await files.plan('config/monitors.yaml')).toEqual({
        file: 'config/monitors.yaml',
        source: 'file:config/monitors.yaml',
        create: ['example-site'],
        update: [],
        delete: [],
        unchanged: [],
      });
    });

    it('is one source whether named config/monitors.yaml, ./config/monitors.yaml or by its absolute path', async () => {
      expect((await files.plan('./config/monitors.yaml')).source).toBe('file:config/monitors.yaml');
      expect((await files.plan(join(process.cwd(), 'config', 'monitors.yaml'))).source).toBe('file:config/monitors.yaml');
    });

    it('has an example that is valid once uncommented, with VIGIL_TARGET_ALLOWLIST=127.0.0.0/8 as its comments say', async () => {
      const shipped = readFileSync('config/monitors.yaml', 'utf8');
      const [head, body] = shipped.split(/^endpoints:\n/m);
      const uncommented = `${head}endpoints:\n${body.replace(/^ {2}# ?/gm, '  ')}`;
      const example = write('example.yaml', uncommented);
      const allowing = await stack.startInstance({ ...ENDPOINT_SUITE_ENV, VIGIL_TARGET_ALLOWLIST: '127.0.0.0/8' });
      const plan = await allowing.app.get(MonitorsFileService).plan(example);
      expect([...plan.create].sort()).toEqual(['Example API', 'example-site', 'vigil-self']);
      const err = await failure(files.plan(example));
      expect(err.details).toEqual([expect.objectContaining({ field: 'endpoints[1].url', message: expect.stringContaining('loopback') })]);
    });
  });
});
