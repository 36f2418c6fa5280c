import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AppError, CursorCodec, ErrorCode, keysetPage, offsetPagination, Page, parseSort, type Principal, type SortTerm } from '@vigil/common';
import { InstallationSecret } from '@vigil/database';
import type { Request } from 'express';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import type { IncidentDetailDto, IncidentDto, IncidentTimelineEntryDto } from './dto/incident.dto';
import { INCIDENT_SORT_FIELDS, type IncidentFilterDto } from './dto/list-incidents.dto';
import { IncidentEventEntity } from './incident-event.entity';
import { toIncidentDto, toTimelineEntryDto } from './incident.mapper';
import { IncidentEntity } from './incident.entity';

const DEFAULT_SORT: SortTerm[] = [{ field: 'started_at', direction: 'desc' }];

/** Incidents as the API serves them: lists, one incident with its timeline, and operators' notes. */
@Injectable()
export class IncidentsService {
  constructor(
    @InjectRepository(IncidentEntity) private readonly incidents: Repository<IncidentEntity>,
    @InjectRepository(IncidentEventEntity) private readonly timeline: Repository<IncidentEventEntity>,
    private readonly secret: InstallationSecret,
  ) {}

  async listByOffset(filters: IncidentFilterDto, limit: number, offset: number, sort: string | undefined, req: Request): Promise<Page<IncidentDto>> {
    const terms = parseSort(sort, INCIDENT_SORT_FIELDS, DEFAULT_SORT);
    const qb = this.filtered(filters);
    for (const t of terms) qb.addOrderBy(`i.${t.field}`, t.direction === 'asc' ? 'ASC' : 'DESC');
    qb.addOrderBy('i.id', terms[0].direction === 'asc' ? 'ASC' : 'DESC');
    const [rows, total] = await qb.skip(offset).take(limit).getManyAndCount();
    const now = new Date();
    return new Page(
      rows.map((r) => toIncidentDto(r, now)),
      offsetPagination(req, total, limit, offset),
    );
  }

  async listByCursor(
    filters: IncidentFilterDto,
    limit: number,
    cursor: string | undefined,
    sort: string | undefined,
    req: Request,
  ): Promise<Page<IncidentDto>> {
    const terms = parseSort(sort, INCIDENT_SORT_FIELDS, DEFAULT_SORT);
    const now = new Date();
    return keysetPage(
      {
        qb: this.filtered(filters),
        sort: [...terms, { field: 'id', direction: terms[0].direction }],
        columns: {
          started_at: { sql: 'i.started_at', read: (r: IncidentEntity) => r.startedAt },
          id: { sql: 'i.id', read: (r: IncidentEntity) => r.id },
        },
        limit,
        cursor,
        filters: { endpoint_id: filters.endpoint_id, open: filters.open, from: filters.from, to: filters.to },
        codec: new CursorCodec(await this.secret.get()),
        req,
      },
      (r) => toIncidentDto(r, now),
    );
  }

  async get(id: string): Promise<IncidentDetailDto> {
    const incident = await this.find(id);
    const timeline = await this.timeline.find({ where: { incidentId: incident.id }, order: { at: 'ASC', id: 'ASC' } });
    return { ...toIncidentDto(incident), timeline: timeline.map(toTimelineEntryDto) };
  }

  /** Appends an operator's note to the timeline (open or resolved incidents alike: post-mortems). */
  async addNote(id: string, text: string, author: Principal | undefined): Promise<IncidentTimelineEntryDto> {
    const incident = await this.find(id);
    const note = await this.timeline.save(
      this.timeline.create({
        incidentId: incident.id,
        kind: 'note',
        at: new Date(),
        note: text,
        authorKeyId: author?.keyId ?? null,
        authorName: author?.name ?? null,
      }),
    );
    return toTimelineEntryDto(note);
  }

  private async find(id: string): Promise<IncidentEntity> {
    const incident = await this.incidents.findOneBy({ id });
    if (!incident) throw new AppError(ErrorCode.RES_NOT_FOUND, `Incident ${id} not found`);
    return incident;
  }

  /**
   * Filters: `from`/`to` select incidents overlapping the period (started by `to`, not resolved before
   * `from`), so a month's list includes an incident that began the month before and is still open.
   */
  private filtered(filters: IncidentFilterDto): SelectQueryBuilder<IncidentEntity> {
    const from = filters.from ? new Date(filters.from) : undefined;
    const to = filters.to ? new Date(filters.to) : undefined;
    if (from && to && from.getTime() > to.getTime()) {
      throw new AppError(ErrorCode.VAL_INVALID_QUERY, 'Invalid query parameters', [
        { field: 'from', message: 'from must not be after to', value: filters.from },
      ]);
    }
    const qb = this.incidents.createQueryBuilder('i');
    if (filters.endpoint_id) qb.andWhere('i.endpoint_id = :endpointId', { endpointId: filters.endpoint_id.toLowerCase() });
    if (filters.open === true) qb.andWhere('i.resolved_at IS NULL');
    if (filters.open === false) qb.andWhere('i.resolved_at IS NOT NULL');
    if (from) qb.andWhere('(i.resolved_at IS NULL OR i.resolved_at >= :from)', { from });
    if (to) qb.andWhere('i.started_at <= :to', { to });
    return qb;
  }
}
