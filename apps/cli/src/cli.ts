import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { ApiKeysService, CreateApiKeyDto } from '@vigil/auth';
import { AppError, ErrorCode, flattenValidationErrors } from '@vigil/common';
import { ConfigError, type VigilConfig } from '@vigil/config';
import { resolveDatabase } from '@vigil/database';
import { formatPlan, MonitorsFileService } from '@vigil/endpoints';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CliModule } from './cli.module';

export const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  keys:create --name <name> --role <admin|operator|viewer> [--expires-at <ISO date>]
      Creates an API key and prints it (shown only this once).
  keys:revoke --id <uuid>
      Revokes an API key.
  apply <file> [--dry-run]
      Applies a monitors file (YAML, an \`endpoints:\` list): prints the diff (create / update / delete /
      unchanged) of the endpoints that file manages, then applies it in one transaction (not with --dry-run).`;

/** Exit codes (sysexits): bad usage, invalid input file, unreadable input file, bad configuration. */
export const EX_USAGE = 64;
export const EX_DATAERR = 65;
export const EX_NOINPUT = 66;
export const EX_CONFIG = 78;

const ROLES = ['admin', 'operator', 'viewer'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

type Command =
  | { kind: 'create'; name: string; role: (typeof ROLES)[number]; expiresAt?: string }
  | { kind: 'revoke'; id: string }
  | { kind: 'apply'; file: string; dryRun: boolean }
  | { kind: 'usage'; error?: string };

/** Reads the command line without touching the database; anything wrong is a usage error. */
function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (!command) return { kind: 'usage', error: 'No command given' };
  if (command === '--help' || command === 'help') return { kind: 'usage' };
  let values: { name?: string; role?: string; 'expires-at'?: string; id?: string; 'dry-run'?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: {
        name: { type: 'string' },
        role: { type: 'string' },
        'expires-at': { type: 'string' },
        id: { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    return { kind: 'usage', error: err instanceof Error ? err.message : String(err) };
  }
  if (command === 'apply') {
    const extra = Object.keys(values).filter((k) => k !== 'dry-run');
    if (positionals.length !== 1 || extra.length) return { kind: 'usage', error: 'apply needs exactly one file and takes only --dry-run' };
    return { kind: 'apply', file: positionals[0], dryRun: values['dry-run'] === true };
  }
  if (positionals.length || values['dry-run'] !== undefined) return { kind: 'usage', error: `Unexpected argument for ${command}` };
  switch (command) {
    case 'keys:create': {
      const { name, role, 'expires-at': expiresAt } = values;
      if (name === undefined || !role || !(ROLES as readonly string[]).includes(role)) {
        return { kind: 'usage', error: 'keys:create needs --name and --role admin|operator|viewer' };
      }
      // The DTO of POST /auth/keys, so a name or expiry the API refuses (blank, control characters, too long) is refused here too.
      const input = plainToInstance(CreateApiKeyDto, { name, role, expires_at: expiresAt });
      const problems = flattenValidationErrors(validateSync(input, { forbidUnknownValues: false }));
      if (problems.length) return { kind: 'usage', error: problems.map((p) => p.message).join('\n') };
      return { kind: 'create', name: input.name, role: input.role, expiresAt: input.expires_at };
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
        if (command.kind === 'apply') return await applyMonitorsFile(app.get(MonitorsFileService), command.file, command.dryRun, out);
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

/** `apply <file> [--dry-run]`: the diff, then the totals of what was (or would be) done. */
async function applyMonitorsFile(files: MonitorsFileService, file: string, dryRun: boolean, out: CliOutput): Promise<number> {
  try {
    const plan = dryRun ? await files.plan(file) : await files.apply(file);
    out.stdout(`${formatPlan(plan)}\n${dryRun ? 'Dry run: nothing was changed.' : 'Applied.'}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const details = (err.details ?? []).map((d) => `  ${d.field ? `${d.field}: ` : ''}${d.message}\n`).join('');
    out.stderr(`${err.message}\n${details}`);
    return err.code === ErrorCode.RES_NOT_FOUND ? EX_NOINPUT : EX_DATAERR;
  }
}
