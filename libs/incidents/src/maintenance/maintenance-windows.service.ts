import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AppError, ErrorCode, type ErrorDetail, offsetPagination, Page, parseSort } from '@vigil/common';
import { EndpointsService } from '@vigil/endpoints';
import { EventBus, type MaintenanceWindowsChangedEvent, VigilEvents } from '@vigil/events';
import type { Request } from 'express';
import { Brackets, type Repository } from 'typeorm';
import { WINDOW_SORT_FIELDS, type MaintenanceWindowFilterDto } from './dto/list-maintenance-windows.dto';
import type { MaintenanceWindowInputDto, PatchMaintenanceWindowDto } from './dto/maintenance-window-input.dto';
import type { EndpointMaintenanceDto, MaintenanceWindowDto } from './dto/maintenance-window.dto';
import { MaintenanceCalendar } from './maintenance-calendar';
import { windowCurrentOrNext, windowOccurrenceAt } from './maintenance-window-set';
import { MaintenanceWindowEntity } from './maintenance-window.entity';
import { type WindowDraft, windowDraft } from './maintenance-window-rules';

const DEFAULT_SORT = [{ field: 'created_at', direction: 'desc' as const }];

/** Maintenance windows: CRUD, and which windows apply to an endpoint now. Every write invalidates the calendars of all instances. */
@Injectable()
export class MaintenanceWindowsService {
  private readonly logger = new Logger('MaintenanceWindows');

  constructor(
    @InjectRepository(MaintenanceWindowEntity) private readonly windows: Repository<MaintenanceWindowEntity>,
    private readonly endpoints: EndpointsService,
    private readonly calendar: MaintenanceCalendar,
    private readonly events: EventBus,
  ) {}

  async list(filters: MaintenanceWindowFilterDto, limit: number, offset: number, sort: string | undefined, req: Request): Promise<Page<MaintenanceWindowDto>> {
    const terms = parseSort(sort, WINDOW_SORT_FIELDS, DEFAULT_SORT);
    const qb = this.windows.createQueryBuilder('w');
    if (filters.endpoint_id) {
      const endpoint = await this.endpoints.get(filters.endpoint_id);
      qb.andWhere(
        new Brackets((or) =>
          or.where('w.endpoint_id = :endpointId', { endpointId: endpoint.id }).orWhere('w.is_global').orWhere('w.tag = ANY(:tags)', { tags: endpoint.tags }),
        ),
      );
    }
    if (filters.tag) qb.andWhere('w.tag = :tag', { tag: filters.tag });
    if (filters.scope === 'endpoint') qb.andWhere('w.endpoint_id IS NOT NULL');
    if (filters.scope === 'tag') qb.andWhere('w.tag IS NOT NULL');
    if (filters.scope === 'global') qb.andWhere('w.is_global');
    if (filters.kind) qb.andWhere('w.kind = :kind', { kind: filters.kind });
    for (const t of terms) qb.addOrderBy(`w.${t.field}`, t.direction === 'asc' ? 'ASC' : 'DESC', t.direction === 'asc' ? 'NULLS LAST' : 'NULLS FIRST');
    qb.addOrderBy('w.id', 'ASC');
    const [rows, total] = await qb.skip(offset).take(limit).getManyAndCount();
    const now = new Date();
    return new Page(
      rows.map((r) => toWindowDto(r, now)),
      offsetPagination(req, total, limit, offset),
    );
  }

  async get(id: string): Promise<MaintenanceWindowDto> {
    return toWindowDto(await this.find(id), new Date());
  }

  async create(dto: MaintenanceWindowInputDto): Promise<MaintenanceWindowDto> {
    const draft = await this.checked(windowDraft(dto, null));
    const row = await this.windows.save(this.windows.create(draft));
    await this.changed(row.id);
    return this.get(row.id);
  }

  /** PUT: the body is the whole window. */
  async replace(id: string, dto: MaintenanceWindowInputDto): Promise<MaintenanceWindowDto> {
    await this.find(id);
    return this.write(id, await this.checked(windowDraft(dto, null)));
  }

  /** PATCH: the fields sent change; the merged window must still be valid. */
  async update(id: string, dto: PatchMaintenanceWindowDto): Promise<MaintenanceWindowDto> {
    const existing = await this.find(id);
    return this.write(id, await this.checked(windowDraft(dto, existing)));
  }

  async remove(id: string): Promise<void> {
    const result = await this.windows.delete({ id });
    if (!result.affected) throw notFound(id);
    await this.changed(id);
  }

  /** Whether the endpoint is in maintenance now, the windows running and those still to come. */
  async forEndpoint(endpointId: string): Promise<EndpointMaintenanceDto> {
    const endpoint = await this.endpoints.get(endpointId);
    const rows = await this.windows
      .createQueryBuilder('w')
      .where(
        new Brackets((or) =>
          or.where('w.endpoint_id = :id', { id: endpoint.id }).orWhere('w.is_global').orWhere('w.tag = ANY(:tags)', { tags: endpoint.tags }),
        ),
      )
      .andWhere(`(w.kind = 'recurring' OR w.ends_at > now())`)
      .getMany();
    const now = new Date();
    const dtos = rows.map((r) => toWindowDto(r, now)).sort((a, b) => (a.next_occurrence?.starts_at ?? '').localeCompare(b.next_occurrence?.starts_at ?? ''));
    const active = dtos.filter((d) => d.active_now);
    return { endpoint_id: endpoint.id, in_maintenance: active.length > 0, active_windows: active, upcoming_windows: dtos.filter((d) => !d.active_now) };
  }

  private async find(id: string): Promise<MaintenanceWindowEntity> {
    const row = await this.windows.findOneBy({ id });
    if (!row) throw notFound(id);
    return row;
  }

  private async write(id: string, draft: WindowDraft): Promise<MaintenanceWindowDto> {
    const result = await this.windows.update({ id }, draft);
    if (!result.affected) throw notFound(id);
    await this.changed(id);
    return this.get(id);
  }

  /** Throws the rules' problems (and an unknown endpoint) as one validation error. */
  private async checked({ draft, problems }: { draft: WindowDraft; problems: ErrorDetail[] }): Promise<WindowDraft> {
    if (draft.endpointId && !problems.some((p) => p.field === 'endpoint_id')) {
      const exists = await this.endpoints.get(draft.endpointId).then(
        () => true,
        (err: unknown) => {
          if (err instanceof AppError && err.code === ErrorCode.RES_NOT_FOUND) return false;
          throw err;
        },
      );
      if (!exists) problems.push({ field: 'endpoint_id', message: `endpoint ${draft.endpointId} not found`, value: draft.endpointId });
    }
    if (problems.length) throw new AppError(problems.length === 1 ? ErrorCode.VAL_ERROR : ErrorCode.VAL_MULTIPLE_ERRORS, 'Request validation failed', problems);
    return draft;
  }

  /** This instance at once, the others through the event bus. */
  private async changed(windowId: string): Promise<void> {
    this.calendar.invalidate();
    try {
      await this.events.publish<MaintenanceWindowsChangedEvent>(VigilEvents.MaintenanceWindowsChanged, { window_id: windowId });
    } catch (err) {
      // Other instances then pick the change up when their copy expires (MAINTENANCE_CACHE_TTL_MS).
      this.logger.warn({ err, msg: 'could not publish a maintenance window change' });
    }
  }
}

function notFound(id: string): AppError {
  return new AppError(ErrorCode.RES_NOT_FOUND, `Maintenance window ${id} not found`);
}

export function toWindowDto(w: MaintenanceWindowEntity, now: Date): MaintenanceWindowDto {
  const next = windowCurrentOrNext(w, now);
  return {
    id: w.id,
    name: w.name,
    description: w.description,
    scope: w.isGlobal ? 'global' : w.endpointId ? 'endpoint' : 'tag',
    endpoint_id: w.endpointId,
    tag: w.tag,
    kind: w.kind,
    starts_at: w.startsAt?.toISOString() ?? null,
    ends_at: w.endsAt?.toISOString() ?? null,
    recurrence: w.kind === 'recurring' ? { days: w.days ?? [], start_time: w.startTime!, duration_minutes: w.durationMinutes!, time_zone: w.timeZone! } : null,
    active_now: windowOccurrenceAt(w, now) !== null,
    next_occurrence: next ? { starts_at: next.start.toISOString(), ends_at: next.end.toISOString() } : null,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
  };
}
