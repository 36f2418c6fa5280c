import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '@vigil/config';
import { buildOpenApiDocument } from './openapi';
import { createApiApp } from './setup-app';

/**
 * `npm run openapi`: writes openapi.json from the code, without a database (Nest preview mode), for the default
 * configuration; `env` sets variables the document depends on (CHECK_MIN_INTERVAL_S), as a deployment would.
 */
export async function generateOpenApi(env: Record<string, string> = {}): Promise<string> {
  const config = loadConfig({ ...env, DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused', LOG_LEVEL: 'silent' });
  const app = await createApiApp(config, { preview: true });
  const json = `${JSON.stringify(buildOpenApiDocument(app, config), null, 2)}\n`;
  await app.close();
  return json;
}

if (require.main === module) {
  generateOpenApi().then(
    (json) => {
      writeFileSync(process.argv[2] ?? 'openapi.json', json);
      process.stdout.write(`wrote ${process.argv[2] ?? 'openapi.json'}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
