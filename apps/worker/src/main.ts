import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { exitOnStartFailure, stopOnSignals } from '@vigil/common';
import { loadConfig, loadDotEnv } from '@vigil/config';
import { resolveDatabase } from '@vigil/database';
import { Logger as PinoLogger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

/** A check worker: owns endpoints (shared with other workers through PostgreSQL), runs their checks, writes results, publishes events. */
async function main(): Promise<void> {
  loadDotEnv();
  const { config, stop: stopDatabase } = await resolveDatabase(loadConfig());
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  await app.init();
  new Logger('Worker').log(`Vigil worker ${process.pid} running (concurrency ${config.checks.concurrency})`);
  // app.close() stops claiming, lets checks in flight finish, writes their results and gives back leases.
  stopOnSignals('Worker', config.http.shutdownTimeoutMs, async () => {
    await app.close();
    await stopDatabase();
  });
}

main().catch(exitOnStartFailure('Vigil worker'));
