import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '@vigil/common';
import { EndpointsService } from '@vigil/endpoints';
import { toIncidentDto } from '../incidents/incident.mapper';
import type { IncidentEntity } from '../incidents/incident.entity';
import type { EndpointSlaDto, SlaFiguresDto, SlaIncidentsDto, TagSlaDto } from './dto/sla-report.dto';
import { meanSlaFigures, SLA_POLICY, SLA_TAG_AGGREGATION, slaFigures, type SlaMonth, slaMonth, type RollupTotals } from './sla-figures';
import { SlaRepository } from './sla.repository';

const NO_CHECKS: RollupTotals = { checks: 0, successes: 0, retriedSuccesses: 0, maintenanceChecks: 0, maintenanceSuccesses: 0, firstCheckBucket: null };
const MAX_INCIDENT_ITEMS = 100;

/** Monthly SLA reports of an endpoint or a tag, from the uptime rollups (policy: SLA_POLICY). */
@Injectable()
export class SlaService {
  constructor(
    private readonly sla: SlaRepository,
    private readonly endpoints: EndpointsService,
  ) {}

  async forEndpoint(endpointId: string, month: string, targetPct: number, now = new Date()): Promise<EndpointSlaDto> {
    const period = slaMonth(month, now);
    const endpoint = await this.endpoints.get(endpointId);
    const totals = (await this.sla.monthTotals([endpoint.id], period.from, period.to)).get(endpoint.id) ?? NO_CHECKS;
    const incidents = await this.sla.incidentsOverlapping([endpoint.id], period.from, period.until);
    return {
      endpoint_id: endpoint.id,
      endpoint_name: endpoint.name,
      ...report(slaFigures(totals, period, targetPct), period, targetPct, incidents, now),
    };
  }

  async forTag(tag: string, month: string, targetPct: number, now = new Date()): Promise<TagSlaDto> {
    const period = slaMonth(month, now);
    const endpoints = await this.sla.endpointsWithTag(tag);
    if (endpoints.length === 0) throw new AppError(ErrorCode.RES_NOT_FOUND, `No endpoint carries the tag "${tag}"`);
    const ids = endpoints.map((e) => e.id);
    const totals = await this.sla.monthTotals(ids, period.from, period.to);
    const each = endpoints.map((e) => ({ endpoint: e, figures: slaFigures(totals.get(e.id) ?? NO_CHECKS, period, targetPct) }));
    const incidents = await this.sla.incidentsOverlapping(ids, period.from, period.until);
    const base = report(
      meanSlaFigures(
        each.map((e) => e.figures),
        period,
        targetPct,
      ),
      period,
      targetPct,
      incidents,
      now,
    );
    return {
      tag,
      ...base,
      policy: { ...base.policy, aggregation: SLA_TAG_AGGREGATION },
      endpoints: each
        .map(({ endpoint, figures }) => ({
          endpoint_id: endpoint.id,
          endpoint_name: endpoint.name,
          achieved_uptime_pct: figures.achieved_uptime_pct,
          met: figures.met,
          counted_checks: figures.checks.counted,
          failed_checks: figures.checks.failed,
          used_downtime_s: figures.error_budget.used_downtime_s,
        }))
        .sort((a, b) => (a.achieved_uptime_pct ?? Infinity) - (b.achieved_uptime_pct ?? Infinity) || a.endpoint_name.localeCompare(b.endpoint_name)),
    };
  }
}

function report(figures: ReturnType<typeof slaFigures>, period: SlaMonth, targetPct: number, incidents: IncidentEntity[], now: Date): SlaFiguresDto {
  return {
    target_pct: targetPct,
    period: {
      month: period.month,
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      until: period.until.toISOString(),
      complete: period.complete,
      month_seconds: period.monthSeconds,
    },
    ...figures,
    incidents: incidentsIn(incidents, period, now),
    policy: { ...SLA_POLICY },
  };
}

function incidentsIn(incidents: IncidentEntity[], period: SlaMonth, now: Date): SlaIncidentsDto {
  const inMonthMs = (i: IncidentEntity) =>
    Math.max(0, Math.min((i.resolvedAt ?? now).getTime(), period.until.getTime()) - Math.max(i.startedAt.getTime(), period.from.getTime()));
  return {
    count: incidents.length,
    open: incidents.filter((i) => i.resolvedAt === null).length,
    duration_s: incidents.reduce((s, i) => s + inMonthMs(i), 0) / 1000,
    items: incidents.slice(0, MAX_INCIDENT_ITEMS).map((i) => toIncidentDto(i, now)),
    items_truncated: incidents.length > MAX_INCIDENT_ITEMS,
  };
}
