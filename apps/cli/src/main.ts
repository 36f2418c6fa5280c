import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { ApiKeysService } from '@vigil/auth';
import { AppError } from '@vigil/common';
import { ConfigError, loadConfig, loadDotEnv } from '@vigil/config';
import { resolveDatabase } from '@vigil/database';
import { CliModule } from './cli.module';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  keys:create --name <name> --role <admin|operator|viewer> [--expires-at <ISO date>]
      Creates an API key and prints it (shown only this once).
  keys:revoke --id <uuid>
      Revokes an API key.`;

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 64;
  }
  const { values } = parseArgs({
    args: rest,
    options: { name: { type: 'string' }, role: { type: 'string' }, 'expires-at': { type: 'string' }, id: { type: 'string' } },
    strict: true,
  });
  loadDotEnv();
  const { config, stop } = await resolveDatabase(loadConfig());
  const app = await NestFactory.createApplicationContext(CliModule.register(config), { logger: ['error', 'warn'] });
  try {
    const keys = app.get(ApiKeysService);
    switch (command) {
      case 'keys:create': {
        if (!values.name || !values.role || !['admin', 'operator', 'viewer'].includes(values.role)) {
          process.stderr.write(`keys:create needs --name and --role admin|operator|viewer\n\n${USAGE}\n`);
          return 64;
        }
        const created = await keys.create({ name: values.name, role: values.role as 'admin', expires_at: values['expires-at'] }, null);
        process.stdout.write(`Created ${created.role} key "${created.name}" (id ${created.id}). Store it now; it is not shown again:\n${created.key}\n`);
        return 0;
      }
      case 'keys:revoke': {
        if (!values.id) {
          process.stderr.write(`keys:revoke needs --id\n`);
          return 64;
        }
        await keys.revoke(values.id);
        process.stdout.write(`Revoked key ${values.id}\n`);
        return 0;
      }
      default:
        process.stderr.write(`Unknown command ${command}\n\n${USAGE}\n`);
        return 64;
    }
  } finally {
    await app.close();
    await stop();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof AppError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 78 : 1);
  },
);
