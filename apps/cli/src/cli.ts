import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { ApiKeysService } from '@vigil/auth';
import { AppError } from '@vigil/common';
import { ConfigError, type VigilConfig } from '@vigil/config';
import { resolveDatabase } from '@vigil/database';
import { CliModule } from './cli.module';

export const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  keys:create --name <name> --role <admin|operator|viewer> [--expires-at <ISO date>]
      Creates an API key and prints it (shown only this once).
  keys:revoke --id <uuid>
      Revokes an API key.`;

/** Exit codes (sysexits): bad usage, bad configuration. */
export const EX_USAGE = 64;
export const EX_CONFIG = 78;

const ROLES = ['admin', 'operator', 'viewer'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

type Command =
  { kind: 'create'; name: string; role: (typeof ROLES)[number]; expiresAt?: string } | { kind: 'revoke'; id: string } | { kind: 'usage'; error?: string };

/** Reads the command line without touching the database; anything wrong is a usage error. */
function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (!command) return { kind: 'usage', error: 'No command given' };
  if (command === '--help' || command === 'help') return { kind: 'usage' };
  let values: { name?: string; role?: string; 'expires-at'?: string; id?: string };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { name: { type: 'string' }, role: { type: 'string' }, 'expires-at': { type: 'string' }, id: { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    return { kind: 'usage', error: err instanceof Error ? err.message : String(err) };
  }
  switch (command) {
    case 'keys:create': {
      const { name, role, 'expires-at': expiresAt } = values;
      if (!name?.trim() || !role || !(ROLES as readonly string[]).includes(role)) {
        return { kind: 'usage', error: 'keys:create needs --name and --role admin|operator|viewer' };
      }
      if (expiresAt !== undefined && Number.isNaN(Date.parse(expiresAt))) return { kind: 'usage', error: '--expires-at must be an ISO 8601 date' };
      return { kind: 'create', name: name.trim(), role: role as (typeof ROLES)[number], expiresAt };
    }
    case 'keys:revoke':
      if (!values.id || !UUID.test(values.id)) return { kind: 'usage', error: 'keys:revoke needs --id <uuid>' };
      return { kind: 'revoke', id: values.id };
    default:
      return { kind: 'usage', error: `Unknown command ${command}` };
  }
}

/**
 * The command line (`npm run cli -- ...`). Returns the exit code; `getConfig` is called only once the
 * arguments are known to be good, so `--help` and usage errors work without a valid configuration.
 */
export async function runCli(argv: string[], getConfig: () => VigilConfig, out: CliOutput): Promise<number> {
  const command = parseCommand(argv);
  if (command.kind === 'usage') {
    if (!command.error) {
      out.stdout(`${USAGE}\n`);
      return 0;
    }
    out.stderr(`${command.error}\n\n${USAGE}\n`);
    return EX_USAGE;
  }
  try {
    const { config, stop } = await resolveDatabase(getConfig());
    try {
      const app = await NestFactory.createApplicationContext(CliModule.register(config), { logger: ['error', 'warn'] });
      try {
        const keys = app.get(ApiKeysService);
        if (command.kind === 'create') {
          const created = await keys.create({ name: command.name, role: command.role, expires_at: command.expiresAt }, null);
          out.stdout(`Created ${created.role} key "${created.name}" (id ${created.id}). Store it now; it is not shown again:\n${created.key}\n`);
        } else {
          await keys.revoke(command.id);
          out.stdout(`Revoked key ${command.id}\n`);
        }
        return 0;
      } finally {
        await app.close();
      }
    } finally {
      await stop();
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      out.stderr(`${err.message}\n`);
      return EX_CONFIG;
    }
    out.stderr(`${err instanceof AppError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
