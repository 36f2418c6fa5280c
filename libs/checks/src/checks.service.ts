import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AppError, CursorCodec, ErrorCode, keysetPage, offsetPagination, Page, parseSort, type SortTerm } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { InstallationSecret } from '@vigil/database';
import { EndpointsService } from '@vigil/endpoints';
import type { Request } from 'express';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import { CheckRecorder } from './check-recorder';
import { CheckResultEntity, type PhaseTimingColumns } from './check-result.entity';
import type { PhaseTimings } from './check-types';
import { checkRequestFrom, HttpChecker } from './checker';
import type { CheckResultDto } from './dto/check-result.dto';
import { CHECK_RESULT_SORT_FIELDS, type CheckResultFilterDto } from './dto/list-check-results.dto';
import { WorkerIdentity } from './worker-identity';

const DEFAULT_SORT: SortTerm[] = [{ field: 'checked_at', direction: 'desc' }];

/** Check results as the API serves them: run a check now, and each endpoint's history. */
@Injectable()
export class ChecksService {
  /** Endpoints with a manual check running in this process: a second one at the same time is refused. */
  private readonly running = new Set<string>();

  constructor(
    @InjectRepository(CheckResultEntity) private readonly results: Repository<CheckResultEntity>,
    private readonly endpoints: EndpointsService,
    private readonly checker: HttpChecker,
    private readonly recorder: CheckRecorder,
    private readonly identity: WorkerIdentity,
    private readonly config: VigilConfig,
    private readonly secret: InstallationSecret,
  ) {}

  /** Runs one check of an active endpoint now and stores it (manual, outside the schedule). */
  async runNow(endpointId: string): Promise<CheckResultDto> {
    const endpoint = await this.endpoints.getActiveOrThrow(endpointId);
    if (this.running.has(endpoint.id)) throw new AppError(ErrorCode.BIZ_CHECK_ALREADY_RUNNING, `A check of ${endpoint.name} is already running`);
    this.running.add(endpoint.id);
    try {
      const outcome = await this.checker.check(checkRequestFrom(endpoint, this.config));
      return toCheckResultDto(await this.recorder.recordManual(endpoint.id, outcome, this.identity.id));
    } finally {
      this.running.delete(endpoint.id);
    }
  }

  async listByOffset(
    endpointId: string,
    filters: CheckResultFilterDto,
    limit: number,
    offset: number,
    sort: string | undefined,
    req: Request,
  ): Promise<Page<CheckResultDto>> {
    const terms = parseSort(sort, CHECK_RESULT_SORT_FIELDS, DEFAULT_SORT);
    const qb = await this.filtered(endpointId, filters);
    for (const t of terms) qb.addOrderBy(`r.${t.field}`, t.direction === 'asc' ? 'ASC' : 'DESC');
    // The tie-breaker follows the main direction so equal timestamps keep insertion order either way.
    qb.addOrderBy('r.id', terms[0].direction === 'asc' ? 'ASC' : 'DESC');
    const [rows, total] = await qb.skip(offset).take(limit).getManyAndCount();
    return new Page(rows.map(toCheckResultDto), offsetPagination(req, total, limit, offset));
  }

  async listByCursor(
    endpointId: string,
    filters: CheckResultFilterDto,
    limit: number,
    cursor: string | undefined,
    sort: string | undefined,
    req: Request,
  ): Promise<Page<CheckResultDto>> {
    const terms = parseSort(sort, CHECK_RESULT_SORT_FIELDS, DEFAULT_SORT);
    return keysetPage(
      {
        qb: await this.filtered(endpointId, filters),
        sort: [...terms, { field: 'id', direction: terms[0].direction }],
        columns: {
          checked_at: { sql: 'r.checked_at', read: (r: CheckResultEntity) => r.checkedAt },
          id: { sql: 'r.id', read: (r: CheckResultEntity) => r.id },
        },
        limit,
        cursor,
        filters: { endpoint: endpointId, from: filters.from, to: filters.to, success: filters.success, reason: filters.reason },
        codec: new CursorCodec(await this.secret.get()),
        req,
      },
      toCheckResultDto,
    );
  }

  /** The history query of one endpoint (404 when the endpoint does not exist). */
  private async filtered(endpointId: string, filters: CheckResultFilterDto): Promise<SelectQueryBuilder<CheckResultEntity>> {
    const from = filters.from ? new Date(filters.from) : undefined;
    const to = filters.to ? new Date(filters.to) : undefined;
    if (from && to && from.getTime() > to.getTime()) {
      throw new AppError(ErrorCode.VAL_INVALID_QUERY, 'Invalid query parameters', [
        { field: 'from', message: 'from must not be after to', value: filters.from },
      ]);
    }
    await this.endpoints.get(endpointId);
    const qb = this.results.createQueryBuilder('r').where('r.endpoint_id = :endpointId', { endpointId });
    if (from) qb.andWhere('r.checked_at >= :from', { from });
    if (to) qb.andWhere('r.checked_at <= :to', { to });
    if (filters.success !== undefined) qb.andWhere('r.success = :success', { success: filters.success });
    if (filters.reason) qb.andWhere('r.reason = :reason', { reason: filters.reason });
    return qb;
  }
}

export function toCheckResultDto(row: CheckResultEntity): CheckResultDto {
  return {
    id: row.id,
    endpoint_id: row.endpointId,
    checked_at: row.checkedAt.toISOString(),
    scheduled_for: row.scheduledFor?.toISOString() ?? null,
    success: row.success,
    status_code: row.statusCode,
    response_time_ms: row.responseTimeMs,
    reason: row.reason,
    message: row.message,
    attempts: row.attempts,
    timings: toPhaseTimings(row.timings),
    assertions: row.assertions,
    manual: row.manual,
    in_maintenance: row.inMaintenance,
  };
}

/** The stored timing columns as the API shows them: reused_connection is left out when no connection served the request. */
function toPhaseTimings(t: PhaseTimingColumns): PhaseTimings {
  const { dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms, reused_connection } = t;
  const timings: PhaseTimings = { dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms };
  if (reused_connection !== null && reused_connection !== undefined) timings.reused_connection = reused_connection;
  return timings;
}
