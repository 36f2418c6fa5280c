import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig, loadDotEnv } from '@vigil/config';
import { resolveDatabase } from '@vigil/database';
import { Logger as PinoLogger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

/** A check worker: claims due checks from PostgreSQL, runs them, writes results, publishes events. */
async function main(): Promise<void> {
  const logger = new Logger('Worker');
  loadDotEnv();
  const { config, stop: stopDatabase } = await resolveDatabase(loadConfig());
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  await app.init();
  logger.log(`Vigil worker ${process.pid} running (concurrency ${config.checks.concurrency})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: finishing checks in flight (at most ${config.http.shutdownTimeoutMs} ms)`);
    const deadline = setTimeout(() => process.exit(1), config.http.shutdownTimeoutMs);
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
  process.stderr.write(`Vigil worker failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
