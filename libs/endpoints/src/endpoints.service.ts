import { Injectable } from '@nestjs/common';
import { AppError, CursorCodec, ErrorCode, type ErrorDetail, keysetPage, offsetPagination, Page, parseSort } from '@vigil/common';
import { InstallationSecret } from '@vigil/database';
import { type EndpointStatusChangedEvent, EventBus, VigilEvents } from '@vigil/events';
import type { Request } from 'express';
import type { EntityManager } from 'typeorm';
import { draftOf, type EndpointDraft } from './endpoint-draft';
import type { EndpointEntity } from './endpoint.entity';
import { ENDPOINT_LIMITS } from './endpoint-limits';
import { EndpointRules } from './endpoint-rules';
import { EndpointsRepository, STATUS_RANK, type StatusChange, type StatusCounts } from './endpoints.repository';
import type { BulkEndpointsDto } from './dto/bulk-endpoints.dto';
import type { CreateEndpointDto } from './dto/create-endpoint.dto';
import { ENDPOINT_SORT_FIELDS, type EndpointFilterDto } from './dto/list-endpoints.dto';
import type { PatchEndpointDto } from './dto/update-endpoint.dto';

const API_SOURCE = 'api';
const DEFAULT_SORT = [{ field: 'created_at', direction: 'desc' as const }];

/** A name an item wants, for the uniqueness check of a batch. */
interface PlannedName {
  name: string;
  /** The endpoint it belongs to; null for one being created. */
  id: string | null;
  field: string;
}

/**
 * The rules of endpoints: validation beyond the DTOs, uniqueness, pause and resume, and the status
 * changes they publish. v1 and v2 controllers both call this service and map what it returns to their DTOs.
 */
@Injectable()
export class EndpointsService {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly rules: EndpointRules,
    private readonly events: EventBus,
    private readonly secret: InstallationSecret,
  ) {}

  async listByOffset<R>(
    filters: EndpointFilterDto,
    limit: number,
    offset: number,
    sort: string | undefined,
    req: Request,
    toDto: (row: EndpointEntity) => R,
  ): Promise<Page<R>> {
    const terms = parseSort(sort, ENDPOINT_SORT_FIELDS, DEFAULT_SORT);
    const qb = this.endpoints.filtered(filters);
    terms.forEach((t, i) => {
      const direction = t.direction === 'asc' ? 'ASC' : 'DESC';
      if (i === 0) qb.orderBy(this.endpoints.sortColumn(t.field), direction);
      else qb.addOrderBy(this.endpoints.sortColumn(t.field), direction);
    });
    qb.addOrderBy('e.id', 'ASC');
    const [rows, total] = await qb.skip(offset).take(limit).getManyAndCount();
    return new Page(rows.map(toDto), offsetPagination(req, total, limit, offset));
  }

  async listByCursor<R>(
    filters: EndpointFilterDto,
    limit: number,
    cursor: string | undefined,
    sort: string | undefined,
    req: Request,
    toDto: (row: EndpointEntity) => R,
  ): Promise<Page<R>> {
    const column = (field: string, read: (r: EndpointEntity) => unknown) => ({ sql: this.endpoints.sortColumn(field), read });
    return keysetPage(
      {
        qb: this.endpoints.filtered(filters),
        sort: parseSort(sort, ENDPOINT_SORT_FIELDS, DEFAULT_SORT),
        columns: {
          name: column('name', (r) => r.name),
          created_at: column('created_at', (r) => r.createdAt),
          status: column('status', (r) => STATUS_RANK[r.status]),
          id: column('id', (r) => r.id),
        },
        limit,
        cursor,
        filters: { tag: filters.tag, active: filters.active, status: filters.status, search: filters.search },
        codec: new CursorCodec(await this.secret.get()),
        req,
      },
      toDto,
    );
  }

  async get(id: string): Promise<EndpointEntity> {
    const row = await this.endpoints.findOne(id);
    if (!row) throw notFound(id);
    return row;
  }

  /** For actions that need a running endpoint (a check now): BIZ_ENDPOINT_PAUSED when it is paused. */
  async getActiveOrThrow(id: string): Promise<EndpointEntity> {
    const row = await this.get(id);
    if (!row.isActive) throw new AppError(ErrorCode.BIZ_ENDPOINT_PAUSED, `Endpoint ${row.name} is paused; resume it first`);
    return row;
  }

  async create(dto: CreateEndpointDto): Promise<EndpointEntity> {
    const { draft, problems } = this.rules.toDraft(dto, null, 'replace');
    throwIfInvalid(problems);
    return this.endpoints.transaction(async (tx) => {
      await this.assertNameFree(tx, draft.name, null);
      const [row] = await this.endpoints.insert(tx, [draft], API_SOURCE);
      return row;
    });
  }

  /** PUT: the body is the whole definition; fields left out take their defaults. */
  replace(id: string, dto: CreateEndpointDto): Promise<EndpointEntity> {
    return this.write(id, (row) => this.rules.toDraft(dto, row, 'replace'));
  }

  /** PATCH: only the fields sent change. */
  update(id: string, dto: PatchEndpointDto): Promise<EndpointEntity> {
    return this.write(id, (row) => this.rules.toDraft(dto, row, 'patch'));
  }

  async remove(id: string): Promise<void> {
    const row = await this.get(id);
    assertApiManaged(row);
    await this.endpoints.delete([row.id]);
  }

  /** Stops checking: `paused`, published as a status change. Pausing a paused endpoint changes nothing. */
  pause(id: string): Promise<EndpointEntity> {
    return this.setActive(id, false);
  }

  /** Checks again from the next anchored slot: `pending` until its first result. Resuming an active endpoint changes nothing. */
  resume(id: string): Promise<EndpointEntity> {
    return this.setActive(id, true);
  }

  countByStatus(): Promise<StatusCounts> {
    return this.endpoints.countByStatus();
  }

  summary(tag?: string): Promise<StatusCounts & { tags: Array<StatusCounts & { tag: string }> }> {
    return this.endpoints.summary(tag).then(({ overall, tags }) => ({ ...overall, tags }));
  }

  /**
   * Creates and updates up to 100 endpoints in one transaction. Every item is checked first, with each
   * problem named after its item (`create[3].interval`, `update[0].id`); if there is any, nothing is written.
   */
  async bulk(dto: BulkEndpointsDto): Promise<{ created: EndpointEntity[]; updated: EndpointEntity[] }> {
    const creates = dto.create ?? [];
    const updates = dto.update ?? [];
    const count = creates.length + updates.length;
    if (count === 0) throw new AppError(ErrorCode.VAL_ERROR, undefined, [{ field: 'create', message: 'send at least one item in create or update' }]);
    if (count > ENDPOINT_LIMITS.bulkMaxItems) {
      throw new AppError(ErrorCode.VAL_ERROR, undefined, [
        { field: 'update', message: `create and update hold at most ${ENDPOINT_LIMITS.bulkMaxItems} items together (got ${count})` },
      ]);
    }
    const { result, changes } = await this.endpoints.transaction(async (tx) => {
      const problems: ErrorDetail[] = [];
      const rows = new Map(
        (
          await this.endpoints.lock(
            tx,
            updates.map((u) => u.id.toLowerCase()),
          )
        ).map((r) => [r.id, r]),
      );
      const createDrafts = creates.map((item, i) => {
        const { draft, problems: p } = this.rules.toDraft(item, null, 'replace', `create[${i}].`);
        problems.push(...p);
        return draft;
      });
      const firstIndex = new Map<string, number>();
      const updateDrafts: Array<{ row: EndpointEntity; draft: EndpointDraft; index: number }> = [];
      updates.forEach(({ id: rawId, ...patch }, i) => {
        const id = rawId.toLowerCase();
        const row = rows.get(id);
        const field = `update[${i}].id`;
        if (firstIndex.has(id)) return problems.push({ field, message: `endpoint ${id} is already changed by update[${firstIndex.get(id)}]` });
        firstIndex.set(id, i);
        if (!row) return problems.push({ field, message: `endpoint ${id} not found` });
        if (row.source !== API_SOURCE) return problems.push({ field, message: managedMessage(row) });
        const { draft, problems: p } = this.rules.toDraft(patch, row, 'patch', `update[${i}].`);
        problems.push(...p);
        updateDrafts.push({ row, draft, index: i });
      });
      const planned: PlannedName[] = [
        ...createDrafts.map((d, i) => ({ name: d.name, id: null, field: `create[${i}].name` })),
        ...updateDrafts.map((u) => ({ name: u.draft.name, id: u.row.id, field: `update[${u.index}].name` })),
      ];
      problems.push(...(await this.nameProblems(tx, planned)));
      if (problems.length) {
        throw new AppError(problems.length === 1 ? ErrorCode.VAL_ERROR : ErrorCode.VAL_MULTIPLE_ERRORS, 'Bulk request rejected; nothing was written', problems);
      }
      const created = await this.endpoints.insert(tx, createDrafts, API_SOURCE);
      const updated: EndpointEntity[] = [];
      const statusChanges: StatusChange[] = [];
      for (const { row, draft } of updateDrafts) {
        const { endpoint, change } = await this.endpoints.overwrite(tx, row, draft);
        updated.push(endpoint);
        if (change) statusChanges.push(change);
      }
      return { result: { created, updated }, changes: statusChanges };
    });
    await this.publish(changes);
    return result;
  }

  /** Publishes status changes (after their transaction committed). */
  async publish(changes: StatusChange[]): Promise<void> {
    for (const c of changes) {
      await this.events.publish<EndpointStatusChangedEvent>(VigilEvents.EndpointStatusChanged, {
        endpoint_id: c.endpoint.id,
        endpoint_name: c.endpoint.name,
        old_status: c.oldStatus,
        new_status: c.newStatus,
        changed_at: c.at.toISOString(),
      });
    }
  }

  /** Problems with the names a batch wants: taken twice in the batch, or by an endpoint outside it. */
  private async nameProblems(tx: EntityManager, planned: PlannedName[]): Promise<ErrorDetail[]> {
    const problems: ErrorDetail[] = [];
    const firstField = new Map<string, string>();
    for (const p of planned) {
      const first = firstField.get(p.name);
      if (first) problems.push({ field: p.field, message: `name "${p.name}" is also wanted by ${first.replace(/\.name$/, '')}` });
      else firstField.set(p.name, p.field);
    }
    const inBatch = new Set(planned.map((p) => p.id).filter((id): id is string => id !== null));
    for (const row of await this.endpoints.findByNames(
      planned.map((p) => p.name),
      tx,
    )) {
      if (inBatch.has(row.id)) continue;
      // Reported on the first item wanting the name; later ones already have their "also wanted by".
      const field = firstField.get(row.name);
      if (field) problems.push({ field, message: `an endpoint named "${row.name}" already exists` });
    }
    return problems;
  }

  private async write(id: string, toDraft: (row: EndpointEntity) => { draft: EndpointDraft; problems: ErrorDetail[] }): Promise<EndpointEntity> {
    const { endpoint, change } = await this.endpoints.transaction(async (tx) => {
      const [row] = await this.endpoints.lock(tx, [id]);
      if (!row) throw notFound(id);
      assertApiManaged(row);
      const { draft, problems } = toDraft(row);
      throwIfInvalid(problems);
      if (draft.name !== row.name) await this.assertNameFree(tx, draft.name, row.id);
      return this.endpoints.overwrite(tx, row, draft);
    });
    await this.publish(change ? [change] : []);
    return endpoint;
  }

  private async setActive(id: string, active: boolean): Promise<EndpointEntity> {
    const { endpoint, change } = await this.endpoints.transaction(async (tx) => {
      const [row] = await this.endpoints.lock(tx, [id]);
      if (!row) throw notFound(id);
      if (row.isActive === active) return { endpoint: row, change: null };
      return this.endpoints.overwrite(tx, row, { ...draftOf(row), isActive: active });
    });
    await this.publish(change ? [change] : []);
    return endpoint;
  }

  private async assertNameFree(tx: EntityManager, name: string, ownId: string | null): Promise<void> {
    const [taken] = (await this.endpoints.findByNames([name], tx)).filter((r) => r.id !== ownId);
    if (taken) {
      throw new AppError(ErrorCode.RES_ALREADY_EXISTS, `An endpoint named "${name}" already exists`, [
        { field: 'name', message: 'name must be unique', value: name },
      ]);
    }
  }
}

function notFound(id: string): AppError {
  return new AppError(ErrorCode.RES_NOT_FOUND, `Endpoint ${id} not found`);
}

function managedMessage(row: EndpointEntity): string {
  return `endpoint "${row.name}" is managed by ${row.source}; change it in that file and apply it`;
}

/** Endpoints from a monitors file change only through that file (pause and resume excepted). */
function assertApiManaged(row: EndpointEntity): void {
  if (row.source !== API_SOURCE) throw new AppError(ErrorCode.RES_CONFLICT, managedMessage(row).replace(/^e/, 'E'));
}

function throwIfInvalid(problems: ErrorDetail[]): void {
  if (problems.length) throw new AppError(problems.length === 1 ? ErrorCode.VAL_ERROR : ErrorCode.VAL_MULTIPLE_ERRORS, 'Request validation failed', problems);
}
