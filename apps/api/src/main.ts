import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig, loadDotEnv } from '@vigil/config';
import { resolveDatabase } from '@vigil/database';
import { createApiApp } from './setup-app';

async function main(): Promise<void> {
  const logger = new Logger('Vigil');
  loadDotEnv();
  const { config, stop: stopDatabase } = await resolveDatabase(loadConfig());
  const app = await createApiApp(config);
  await app.listen(config.http.port, config.http.host);
  logger.log(`Vigil API listening on http://${config.http.host}:${config.http.port} (docs: /docs)`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: no new connections; finishing requests in flight (at most ${config.http.shutdownTimeoutMs} ms)`);
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.http.shutdownTimeoutMs);
    deadline.unref();
    try {
      await app.close();
      await stopDatabase();
    } finally {
      clearTimeout(deadline);
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`Vigil failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
