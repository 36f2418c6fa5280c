import { Injectable } from '@nestjs/common';
import { AppError, CursorCodec, ErrorCode, linkWith, Page, parseSort, type SortTerm } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { InstallationSecret } from '@vigil/database';
import { EndpointsService } from '@vigil/endpoints';
import { type CheckResultDto, ChecksService } from '@vigil/checks';
import type { Request } from 'express';
import { RELATIVE_ERROR } from './histogram/latency-buckets';
import { ceilTo, floorTo, UNIT_MS, type RollupUnit } from './rollups/rollup-units';
import { UptimeAggregate } from './query/uptime-aggregate';
import { type EndpointUptime, UptimeQueryRepository } from './query/uptime-query.repository';
import { keysetSlice, type ListOrder } from './query/uptime-list-order';
import { periodWindow, resolveWindow, type UptimePeriod, type UptimeWindow } from './query/uptime-window';
import type { StatsHistoryQueryDto, UptimeListQueryDto, UptimeSeriesQueryDto } from './dto/uptime-query.dto';
import { UPTIME_LIST_SORT_FIELDS } from './dto/uptime-query.dto';
import type { SlowEndpointDto, StatsSummaryDto, UptimeCountsDto, UptimeListItemDto, UptimeSeriesDto, UptimeStatsV1Dto } from './dto/uptime-stats.dto';

const DEFAULT_LIST_SORT: SortTerm[] = [{ field: 'uptime', direction: 'asc' }];
const SLOWEST_SHOWN = 5;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Uptime analytics over the rollups: one endpoint's stats for a period (v1) or a series of buckets (v2),
 * every endpoint over a window (v2, cursor pages), the fleet summary (v1), and raw check history (v1,
 * through ChecksService). v1 and v2 controllers both call this service.
 */
@Injectable()
export class UptimeService {
  constructor(
    private readonly rollups: UptimeQueryRepository,
    private readonly endpoints: EndpointsService,
    private readonly checks: ChecksService,
    private readonly config: VigilConfig,
    private readonly secret: InstallationSecret,
  ) {}

  async periodStats(endpointId: string, period: UptimePeriod, now = Date.now()): Promise<UptimeStatsV1Dto> {
    const endpoint = await this.endpoints.get(endpointId);
    const window = periodWindow(period, now);
    const total = await this.rollups.endpointTotal(endpoint.id, window);
    return {
      endpoint_id: endpoint.id,
      endpoint_name: endpoint.name,
      period,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      uptime_percentage: total.uptime,
      total_checks: total.checks,
      successful_checks: total.successes,
      failed_checks: total.failures,
      average_response_time: total.avgMs,
      last_check: endpoint.lastCheckedAt?.toISOString() ?? null,
      response_time: total.responseTime(),
      percentile_relative_error: RELATIVE_ERROR,
    };
  }

  async series(endpointId: string, query: UptimeSeriesQueryDto, now = Date.now()): Promise<UptimeSeriesDto> {
    const granularity = query.granularity ?? 'hour';
    const window = resolveWindow(query, now, this.config.uptime, granularity);
    const endpoint = await this.endpoints.get(endpointId);
    const rows = await this.rollups.series(endpoint.id, window, granularity);
    const byStart = new Map(rows.map((r) => [r.start.getTime(), r.aggregate]));
    const total = UptimeAggregate.empty();
    const buckets = bucketStarts(window, granularity).map((start) => {
      const aggregate = byStart.get(start) ?? UptimeAggregate.empty();
      total.merge(aggregate);
      // The first and last buckets cover only the part of their UTC unit inside the window.
      const from = Math.max(start, window.from.getTime());
      const end = Math.min(start + UNIT_MS[granularity], window.to.getTime());
      return { start: new Date(from).toISOString(), end: new Date(end).toISOString(), ...counts(aggregate) };
    });
    return {
      endpoint_id: endpoint.id,
      granularity,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      percentile_relative_error: RELATIVE_ERROR,
      buckets,
      total: counts(total),
    };
  }

  /**
   * Every endpoint over one window, sorted by uptime, p99 or name (endpoints without data last), in
   * cursor pages. The next link carries the window answered, so later pages describe the same window.
   */
  async list(query: UptimeListQueryDto, req: Request, now = Date.now()): Promise<Page<UptimeListItemDto>> {
    const window = resolveWindow(query, now, this.config.uptime);
    const terms = parseSort(query.sort, UPTIME_LIST_SORT_FIELDS, DEFAULT_LIST_SORT);
    const limit = query.limit ?? 50;
    const items = (await this.rollups.perEndpoint(window, query.tag)).map(toListItem);
    const order: ListOrder<UptimeListItemDto> = {
      terms,
      value: (item, field) => (field === 'uptime' ? item.uptime : field === 'p99' ? item.response_time.p99 : item.name),
      id: (item) => item.endpoint_id,
    };
    const codec = new CursorCodec(await this.secret.get());
    const fingerprint = JSON.stringify({ s: terms, w: [window.from.toISOString(), window.to.toISOString()], t: query.tag ?? null });
    const after = query.cursor ? codec.decode(query.cursor, fingerprint).after : undefined;
    const { page, hasMore, last } = keysetSlice(items, order, limit, after);
    const nextCursor =
      hasMore && last ? codec.encode({ after: [...terms.map((t) => order.value(last, t.field)), last.endpoint_id], query: fingerprint }) : null;
    const windowParams = { from: window.from.toISOString(), to: window.to.toISOString() };
    return new Page(page, {
      limit,
      has_more: hasMore,
      next_cursor: nextCursor,
      links: { self: linkWith(req, {}), next: nextCursor ? linkWith(req, { ...windowParams, cursor: nextCursor }) : null },
    });
  }

  async summary(now = Date.now()): Promise<StatsSummaryDto> {
    const window = periodWindow('24h', now);
    const [endpoints, perEndpoint, openIncidents] = await Promise.all([
      this.endpoints.countByStatus(),
      this.rollups.perEndpoint(window),
      this.rollups.openIncidents(),
    ]);
    const overall = perEndpoint.reduce((acc, e) => {
      acc.checks += e.aggregate.checks;
      acc.successes += e.aggregate.successes;
      return acc;
    }, UptimeAggregate.empty());
    return {
      endpoints,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      overall_uptime_24h: overall.uptime,
      checks_24h: overall.checks,
      open_incidents: openIncidents,
      slowest_endpoints: slowest(perEndpoint),
    };
  }

  /** Raw check history of one endpoint, newest first (the checks module's history, v1 parameter names). */
  history(endpointId: string, query: StatsHistoryQueryDto, req: Request): Promise<Page<CheckResultDto>> {
    const from = query.from_date;
    const to = query.to_date && DATE_ONLY.test(query.to_date) ? new Date(Date.parse(query.to_date) + UNIT_MS.day - 1).toISOString() : query.to_date;
    if (from && to && Date.parse(from) > Date.parse(to)) {
      throw new AppError(ErrorCode.VAL_INVALID_QUERY, 'Invalid query parameters', [
        { field: 'from_date', message: 'from_date must not be after to_date', value: query.from_date },
      ]);
    }
    return this.checks.listByOffset(endpointId, { from, to }, query.limit ?? 50, query.offset ?? 0, query.sort, req);
  }
}

function counts(a: UptimeAggregate): UptimeCountsDto {
  return {
    checks: a.checks,
    successes: a.successes,
    failures: a.failures,
    retried_successes: a.retriedSuccesses,
    maintenance_checks: a.maintenanceChecks,
    uptime: a.uptime,
    response_time: a.responseTime(),
  };
}

function toListItem(e: EndpointUptime): UptimeListItemDto {
  return { endpoint_id: e.id, name: e.name, status: e.status, ...counts(e.aggregate) };
}

/** Starts of the UTC granularity units the window touches (the first may begin before `from`). */
function bucketStarts(window: UptimeWindow, granularity: RollupUnit): number[] {
  const starts: number[] = [];
  for (let t = floorTo(window.from.getTime(), granularity); t < ceilTo(window.to.getTime(), granularity); t += UNIT_MS[granularity]) starts.push(t);
  return starts;
}

function slowest(perEndpoint: EndpointUptime[]): SlowEndpointDto[] {
  return perEndpoint
    .filter((e) => e.aggregate.successes > 0)
    .map((e) => ({
      endpoint_id: e.id,
      name: e.name,
      status: e.status,
      successes: e.aggregate.successes,
      p95: e.aggregate.percentile(95)!,
      avg: e.aggregate.avgMs!,
    }))
    .sort((a, b) => b.p95 - a.p95 || b.avg - a.avg || a.endpoint_id.localeCompare(b.endpoint_id))
    .slice(0, SLOWEST_SHOWN);
}
