import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@vigil/config';
import { createApiApp } from '../apps/api/src/setup-app';
import { createBareApp } from './bare-app';
import type { ControlMessage, ServersMessage, StartServers } from './support/server-protocol';

/**
 * The process under load, forked by bench/api.ts: the real Vigil API and the bare Nest app side by side,
 * each on a random loopback port. It closes both and exits on `stop` or when its parent goes away.
 */
const apps: INestApplication[] = [];
let stopping = false;

function send(message: ServersMessage): void {
  process.send?.(message);
}

async function start(msg: StartServers): Promise<void> {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: msg.databaseUrl,
    REDIS_URL: msg.redisUrl,
    REDIS_KEY_PREFIX: msg.redisKeyPrefix,
    VIGIL_BOOTSTRAP_API_KEY: msg.apiKey,
    // Budgets (per key, per IP) far above what a run sends in one window: the throttle still runs on every
    // request, it just never says no (and the bench fails if it ever does).
    RATE_LIMIT_DEFAULT: '1000000',
    RATE_LIMIT_PER_IP: '10000000',
    // The HTTP pipeline is what is measured; in a split deployment apps/worker runs the checks.
    RUN_CHECKS: 'false',
  });
  const vigil = await createApiApp(config);
  apps.push(vigil);
  const bare = await createBareApp();
  apps.push(bare);
  send({ type: 'ready', vigilUrl: await listen(vigil), bareUrl: `${await listen(bare)}/bare` });
}

async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Closing Vigil quits its Redis clients and its PostgreSQL pool; a hung close must not keep the bench waiting.
  setTimeout(() => process.exit(code || 1), 15_000).unref();
  await Promise.allSettled(apps.map((a) => a.close()));
  process.exit(code);
}

process.on('message', (msg: ControlMessage) => {
  if (msg.type === 'stop') void stop(0);
  if (msg.type === 'cpu-usage') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu-usage', micros: user + system });
  }
  if (msg.type === 'start') {
    start(msg).catch((err: unknown) => {
      send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      void stop(1);
    });
  }
});
process.on('disconnect', () => void stop(0));
