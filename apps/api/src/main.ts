import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { exitOnStartFailure, stopOnSignals } from '@vigil/common';
import { loadConfig, loadDotEnv } from '@vigil/config';
import { resolveDatabase } from '@vigil/database';
import { createApiApp } from './setup-app';

async function main(): Promise<void> {
  loadDotEnv();
  const { config, stop: stopDatabase } = await resolveDatabase(loadConfig());
  const app = await createApiApp(config);
  await app.listen(config.http.port, config.http.host);
  new Logger('Vigil').log(`Vigil API listening on http://${config.http.host}:${config.http.port} (docs: /docs)`);
  // app.close() stops accepting connections and lets requests in flight finish before closing DB and Redis.
  stopOnSignals('Vigil', config.http.shutdownTimeoutMs, async () => {
    await app.close();
    await stopDatabase();
  });
}

main().catch(exitOnStartFailure('Vigil'));
