import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type CheckRecordHook, CheckRecordHooks, type HookEvent, type RecordedCheck } from '@vigil/checks';
import { type IncidentEvent, VigilEvents } from '@vigil/events';
import type { EntityManager } from 'typeorm';
import { toIncidentEvent } from './incident.mapper';
import { type FailStep, mayTouchIncidents, planIncidentSteps } from './incident-rules';
import { IncidentsRepository } from './incidents.repository';

/**
 * Opens, counts and resolves incidents in the recorder's transaction (see planIncidentSteps for the rules),
 * so an incident can never disagree with the results and statuses stored with it. Returns incident_opened /
 * incident_resolved, published after the commit. A batch whose endpoints were not down, are not down and
 * were not pending or paused costs no query.
 */
@Injectable()
export class IncidentRecordHook implements CheckRecordHook, OnModuleInit {
  readonly name = 'incidents';

  constructor(
    private readonly hooks: CheckRecordHooks,
    private readonly incidents: IncidentsRepository,
  ) {}

  onModuleInit(): void {
    this.hooks.register(this);
  }

  async afterStore(m: EntityManager, recorded: RecordedCheck[]): Promise<HookEvent[]> {
    const relevant = recorded.filter(mayTouchIncidents);
    if (relevant.length === 0) return [];
    const open = await this.incidents.lockOpen(m, [...new Set(relevant.map((r) => r.row.endpointId))]);
    const steps = planIncidentSteps(relevant, open);
    const openIds = new Map([...open.values()].map((o) => [o.endpointId, o.id]));
    const failures = new Map<string, FailStep>();
    const events: HookEvent[] = [];
    for (const step of steps) {
      if (step.kind === 'open') {
        const first = step.failedChecks > 1 ? await this.incidents.firstFailureOfRun(m, step.endpointId, step.lastFailureAt, step.failedChecks) : null;
        const incident = await this.incidents.insertOpen(m, step, first);
        if (!incident) continue;
        openIds.set(step.endpointId, incident.id);
        await this.incidents.addEvent(m, {
          incidentId: incident.id,
          kind: 'opened',
          at: incident.startedAt,
          fromStatus: step.fromStatus,
          toStatus: 'down',
          checkId: step.checkId,
          note: step.alreadyDown ? 'the endpoint went down during a maintenance window and was still failing after it' : null,
        });
        events.push(incidentEvent(VigilEvents.IncidentOpened, toIncidentEvent(incident)));
      } else if (step.kind === 'fail') {
        const id = openIds.get(step.endpointId);
        if (id) failures.set(id, step);
      } else {
        const id = openIds.get(step.endpointId);
        if (!id) continue;
        // Failures earlier in this batch land before the incident closes.
        const pending = failures.get(id);
        if (pending) {
          await this.incidents.recordFailures(m, [{ incidentId: id, step: pending }]);
          failures.delete(id);
        }
        const incident = await this.incidents.resolve(m, id, step.resolvedAt, step.resolution, step.checkId);
        openIds.delete(step.endpointId);
        if (!incident) continue;
        await this.incidents.addEvent(m, {
          incidentId: id,
          kind: 'resolved',
          at: incident.resolvedAt!,
          fromStatus: 'down',
          toStatus: step.toStatus,
          checkId: step.checkId,
        });
        events.push(incidentEvent(VigilEvents.IncidentResolved, toIncidentEvent(incident)));
      }
    }
    await this.incidents.recordFailures(
      m,
      [...failures].map(([incidentId, step]) => ({ incidentId, step })),
    );
    return events;
  }
}

function incidentEvent(channel: string, payload: IncidentEvent): HookEvent {
  return { channel, payload };
}
