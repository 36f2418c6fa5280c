import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { lockTable } from '../support/table-lock';

const ROOT = join(__dirname, '..', '..');
const RUNTIME = join(ROOT, 'test/checks/support/ts-runtime.js');
const KEY = 'vigil-test-embedded-shutdown-key-0001';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The quick start's mode: no DATABASE_URL, so the server runs its own embedded PostgreSQL. On SIGTERM the
 * database must outlive the requests still in flight: it is stopped after the app has closed.
 */
describe('graceful shutdown on the embedded PostgreSQL (npm start without DATABASE_URL)', () => {
  let child: ChildProcess | undefined;
  let output = '';
  let dataDir: string;

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM finishes the request in flight, then stops the database and exits 0', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-embedded-'));
    // As root the package runs PostgreSQL as the `postgres` user, which must reach its data directory.
    chmodSync(dataDir, 0o755);
    const [httpPort, pgPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(httpPort),
      HOST: '127.0.0.1',
      EMBEDDED_PG_DIR: join(dataDir, 'pg'),
      EMBEDDED_PG_PORT: String(pgPort),
      VIGIL_BOOTSTRAP_API_KEY: KEY,
      RUN_CHECKS: 'false',
    };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    child = spawn(process.execPath, ['--enable-source-maps', RUNTIME, 'apps/api/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    for (let i = 0; i < 1200 && !output.includes('Vigil API listening'); i++) {
      if (child.exitCode !== null) throw new Error(`the server exited at start:\n${output.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toContain('using the embedded PostgreSQL');
    const api = request(`http://127.0.0.1:${httpPort}`);

    // Hold a write inside its handler: its INSERT waits for a table lock taken on the embedded database.
    const lock = await lockTable(`postgres://postgres:vigil-embedded@127.0.0.1:${pgPort}/vigil`, 'api_keys');
    const inFlight = api
      .post('/api/v1/auth/keys')
      .set('X-API-Key', KEY)
      .send({ name: 'in-flight', role: 'viewer' })
      .then((res) => res);
    await lock.waitForBlocked('INSERT INTO "api_keys"');
    child.kill('SIGTERM');
    for (let i = 0; i < 100 && !output.includes('SIGTERM: stopping'); i++) await new Promise((r) => setTimeout(r, 50));
    // The database is still there for the request (the lock's own connection proves it too), until it ends.
    await lock.release();
    const res = await inFlight;
    expect({ status: res.status, name: res.body?.data?.name }).toEqual({ status: 201, name: 'in-flight' });
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).not.toContain('terminating connection due to administrator command');
  }, 180_000);
});
