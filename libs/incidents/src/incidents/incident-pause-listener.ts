import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { type EndpointStatusChangedEvent, EventBus, type IncidentEvent, VigilEvents } from '@vigil/events';
import { DataSource } from 'typeorm';
import { toIncidentEvent } from './incident.mapper';
import { IncidentsRepository } from './incidents.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Pausing a down endpoint resolves its open incident (`resolution: paused`, a timeline line `down → paused`):
 * a paused endpoint is not measured, so an incident kept open would grow a duration, and SLA downtime, that
 * nobody observed. If it still fails after resuming, the threshold opens a new incident.
 *
 * Pause and resume are published by EndpointsService as EndpointStatusChanged without a check_id (changes
 * caused by results carry one and are handled in the recorder's transaction by IncidentRecordHook). Every
 * instance hears the event; the conditional UPDATE lets exactly one of them resolve and publish. Should the
 * event be lost, the endpoint's next stored result (paused → pending → first result) resolves it instead.
 */
@Injectable()
export class IncidentPauseListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Incidents');
  private unsubscribe: (() => void) | null = null;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly events: EventBus,
    private readonly dataSource: DataSource,
    private readonly incidents: IncidentsRepository,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe<EndpointStatusChangedEvent>(VigilEvents.EndpointStatusChanged, (e) => {
      if (e.check_id || e.new_status === 'down' || !UUID.test(String(e.endpoint_id)) || Number.isNaN(Date.parse(e.changed_at))) return;
      const work = this.resolveOnPause(e).finally(() => this.running.delete(work));
      this.running.add(work);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await Promise.allSettled([...this.running]);
  }

  private async resolveOnPause(e: EndpointStatusChangedEvent): Promise<void> {
    try {
      const at = new Date(e.changed_at);
      const incident = await this.dataSource.transaction(async (m) => {
        const resolved = await this.incidents.resolveOpenOf(m, e.endpoint_id, at, 'paused');
        if (resolved) {
          await this.incidents.addEvent(m, {
            incidentId: resolved.id,
            kind: 'resolved',
            at: resolved.resolvedAt!,
            fromStatus: 'down',
            toStatus: e.new_status,
            note: e.new_status === 'paused' ? 'the endpoint was paused' : `the endpoint was ${e.old_status} and is now ${e.new_status}`,
          });
        }
        return resolved;
      });
      if (incident) await this.events.publish<IncidentEvent>(VigilEvents.IncidentResolved, toIncidentEvent(incident));
    } catch (err) {
      this.logger.warn({ err, msg: `could not resolve the open incident of paused endpoint ${e.endpoint_id}` });
    }
  }
}
