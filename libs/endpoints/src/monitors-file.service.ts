import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode, type ErrorDetail, refusedDtoDetails } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { EntityManager } from 'typeorm';
import { parseDocument } from 'yaml';
import { changedFields, draftOf, type EndpointDraft } from './endpoint-draft';
import type { EndpointEntity } from './endpoint.entity';
import { EndpointRules } from './endpoint-rules';
import { EndpointsRepository, type StatusChange } from './endpoints.repository';
import { EndpointsService } from './endpoints.service';
import { CreateEndpointDto } from './dto/create-endpoint.dto';

/** What applying a monitors file does (or did) to the endpoints it manages, by endpoint name. */
export interface MonitorsPlan {
  /** The file as given, and the `source` its endpoints carry (`file:<path relative to the working directory>`). */
  file: string;
  source: string;
  create: string[];
  update: Array<{ name: string; changes: string[] }>;
  delete: string[];
  unchanged: string[];
}

/** Taken by every apply, so two instances starting at once apply one after the other. */
const APPLY_LOCK = 727_101;
const MAX_FILE_BYTES = 10 * 1024 * 1024;

/**
 * Config as code: a YAML file listing endpoints (the seed's `endpoints:` format plus tags, retry and
 * assertions) is the desired state of the endpoints whose source is that file. Endpoints created through
 * the API are never touched, and a file may not claim one of their names. A file endpoint renamed in the
 * file is deleted and created again (its history goes with it).
 */
@Injectable()
export class MonitorsFileService {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly rules: EndpointRules,
    private readonly service: EndpointsService,
    private readonly config: VigilConfig,
  ) {}

  /** The diff applying `file` would make, without changing anything. */
  async plan(file: string): Promise<MonitorsPlan> {
    const drafts = await this.read(file);
    return (await this.diff(undefined, file, drafts)).plan;
  }

  /** Applies `file` in one transaction and returns what it did. An invalid file changes nothing. */
  async apply(file: string): Promise<MonitorsPlan> {
    const drafts = await this.read(file);
    const { plan, changes } = await this.endpoints.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [APPLY_LOCK]);
      const { plan, rows } = await this.diff(tx, file, drafts);
      const byName = new Map(drafts.map((d) => [d.name, d]));
      // Rows are locked in id order first, as every writer of endpoints does, so no deadlock with a scheduler.
      const touched = await this.endpoints.lock(
        tx,
        [...plan.delete, ...plan.update.map((u) => u.name)].map((name) => rows.get(name)!.id),
      );
      await this.endpoints.delete(
        plan.delete.map((name) => rows.get(name)!.id),
        tx,
      );
      const statusChanges: StatusChange[] = [];
      for (const row of touched.filter((r) => byName.has(r.name))) {
        const { change } = await this.endpoints.overwrite(tx, row, byName.get(row.name)!);
        if (change) statusChanges.push(change);
      }
      await this.endpoints.insert(
        tx,
        plan.create.map((name) => byName.get(name)!),
        plan.source,
      );
      return { plan, changes: statusChanges };
    });
    await this.service.publish(changes);
    return plan;
  }

  /** Reads and checks the file: every problem is named by item and field (`endpoints[2].interval`). */
  private async read(file: string): Promise<EndpointDraft[]> {
    const invalid = (details: ErrorDetail[]) =>
      new AppError(details.length === 1 ? ErrorCode.VAL_ERROR : ErrorCode.VAL_MULTIPLE_ERRORS, `Monitors file ${file} is invalid`, details);
    let text: string;
    try {
      if ((await stat(file)).size > MAX_FILE_BYTES) throw invalid([{ field: 'file', message: `the file is larger than ${MAX_FILE_BYTES} bytes` }]);
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError(ErrorCode.RES_NOT_FOUND, `Monitors file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length) throw invalid(doc.errors.map((e) => ({ field: 'file', message: e.message.split('\n')[0] })));
    const content: unknown = doc.toJS({ maxAliasCount: 100 });
    if (content !== null && (typeof content !== 'object' || Array.isArray(content))) {
      throw invalid([{ field: 'file', message: 'the file must be a mapping with an `endpoints:` list' }]);
    }
    const top = (content ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(top).filter((k) => k !== 'endpoints');
    if (unknown.length) throw invalid(unknown.map((k) => ({ field: k, message: `unknown key ${k} (a monitors file holds only endpoints)` })));
    const items = top.endpoints ?? [];
    if (!Array.isArray(items)) throw invalid([{ field: 'endpoints', message: 'endpoints must be a list' }]);

    const problems: ErrorDetail[] = [];
    const drafts: EndpointDraft[] = [];
    const firstIndex = new Map<string, number>();
    for (const [i, item] of items.entries()) {
      const prefix = `endpoints[${i}]`;
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        problems.push({ field: prefix, message: `${prefix} must be a mapping of endpoint fields` });
        continue;
      }
      const dto = plainToInstance(CreateEndpointDto, item);
      const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: true } });
      if (errors.length) {
        // With the minimums the DTO takes from the configuration, as the API's validation pipe reports them.
        problems.push(...refusedDtoDetails(errors, dto, this.config, prefix));
        continue;
      }
      const { draft, problems: p } = this.rules.toDraft(dto, null, 'replace', `${prefix}.`);
      problems.push(...p);
      const first = firstIndex.get(draft.name);
      if (first !== undefined) problems.push({ field: `${prefix}.name`, message: `name "${draft.name}" is also used by endpoints[${first}]` });
      else firstIndex.set(draft.name, i);
      drafts.push(draft);
    }
    if (problems.length) throw invalid(problems);
    return drafts;
  }

  /** The plan, and the file's current endpoints by name; `tx` reads inside the applying transaction. */
  private async diff(tx: EntityManager | undefined, file: string, drafts: EndpointDraft[]): Promise<{ plan: MonitorsPlan; rows: Map<string, EndpointEntity> }> {
    const source = sourceOf(file);
    const rows = new Map((await this.endpoints.findBySource(source, tx)).map((r) => [r.name, r]));
    const clashes = (
      await this.endpoints.findByNames(
        drafts.map((d) => d.name),
        tx,
      )
    ).filter((r) => r.source !== source);
    if (clashes.length) {
      const index = new Map(drafts.map((d, i) => [d.name, i]));
      throw new AppError(
        clashes.length === 1 ? ErrorCode.VAL_ERROR : ErrorCode.VAL_MULTIPLE_ERRORS,
        `Monitors file ${file} is invalid`,
        clashes.map((r) => ({
          field: `endpoints[${index.get(r.name)}].name`,
          message: `an endpoint named "${r.name}" already exists and is not managed by this file (source: ${r.source})`,
        })),
      );
    }
    const plan: MonitorsPlan = { file, source, create: [], update: [], delete: [], unchanged: [] };
    for (const draft of drafts) {
      const row = rows.get(draft.name);
      if (!row) plan.create.push(draft.name);
      else {
        const changes = changedFields(draftOf(row), draft);
        if (changes.length) plan.update.push({ name: draft.name, changes });
        else plan.unchanged.push(draft.name);
      }
    }
    const wanted = new Set(drafts.map((d) => d.name));
    plan.delete = [...rows.keys()].filter((name) => !wanted.has(name));
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    plan.create.sort(byName);
    plan.update.sort((a, b) => byName(a.name, b.name));
    plan.delete.sort(byName);
    plan.unchanged.sort(byName);
    return { plan, rows };
  }
}

/** `file:<path>`: relative to the working directory when the file is under it, so `./x.yaml` and `x.yaml` are one source. */
export function sourceOf(file: string): string {
  const absolute = resolve(file);
  const rel = relative(process.cwd(), absolute);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
  return `file:${shown.split(sep).join('/')}`;
}

/** The plan as lines for a person: `+ create`, `~ update (fields)`, `- delete`, `= unchanged`, then totals. */
export function formatPlan(plan: MonitorsPlan): string {
  const lines = [
    ...plan.create.map((n) => `  + create     ${n}`),
    ...plan.update.map((u) => `  ~ update     ${u.name} (${u.changes.join(', ')})`),
    ...plan.delete.map((n) => `  - delete     ${n}`),
    ...plan.unchanged.map((n) => `  = unchanged  ${n}`),
  ];
  const totals = `${plan.create.length} to create, ${plan.update.length} to update, ${plan.delete.length} to delete, ${plan.unchanged.length} unchanged`;
  return [`Monitors file ${plan.file} (${plan.source}):`, ...(lines.length ? lines : ['  (no endpoints)']), totals].join('\n');
}
