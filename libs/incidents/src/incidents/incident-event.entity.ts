import type { EndpointStatus } from '@vigil/events';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type IncidentEventKind = 'opened' | 'resolved' | 'note';

/** One line of an incident's timeline: the status change that opened or resolved it, or an operator's note. */
@Entity({ name: 'incident_events' })
export class IncidentEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'incident_id', type: 'bigint' })
  incidentId: string;

  @Column({ type: 'varchar', length: 16 })
  kind: IncidentEventKind;

  @Column({ type: 'timestamptz', precision: 3 })
  at: Date;

  @Column({ name: 'from_status', type: 'varchar', length: 10, nullable: true })
  fromStatus: EndpointStatus | null;

  @Column({ name: 'to_status', type: 'varchar', length: 10, nullable: true })
  toStatus: EndpointStatus | null;

  @Column({ name: 'check_id', type: 'bigint', nullable: true })
  checkId: string | null;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ name: 'author_key_id', type: 'uuid', nullable: true })
  authorKeyId: string | null;

  @Column({ name: 'author_name', type: 'varchar', length: 200, nullable: true })
  authorName: string | null;
}
