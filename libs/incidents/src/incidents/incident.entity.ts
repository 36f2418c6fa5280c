import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type IncidentResolution = 'recovered' | 'paused';

/** An endpoint being down: opened by the check that took it down, resolved by the one that brought it back (or a pause). */
@Entity({ name: 'incidents' })
export class IncidentEntity {
  /** bigint: kept as a string so no id ever loses precision. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  /** The endpoint's name when the incident opened (kept if the endpoint is renamed). */
  @Column({ name: 'endpoint_name', type: 'varchar', length: 200 })
  endpointName: string;

  /** When the endpoint's status became `down` (or the first failed check after a maintenance window, see IncidentRules). */
  @Column({ name: 'started_at', type: 'timestamptz', precision: 3 })
  startedAt: Date;

  /** null while open. */
  @Column({ name: 'resolved_at', type: 'timestamptz', precision: 3, nullable: true })
  resolvedAt: Date | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  resolution: IncidentResolution | null;

  /** The first failed check of the run of failures that took the endpoint down. */
  @Column({ name: 'first_failure_at', type: 'timestamptz', precision: 3 })
  firstFailureAt: Date;

  @Column({ name: 'first_failure_reason', type: 'varchar', length: 32, nullable: true })
  firstFailureReason: string | null;

  @Column({ name: 'first_failure_message', type: 'text', nullable: true })
  firstFailureMessage: string | null;

  /** Failed checks in that run, from the first failure to the last one while open. */
  @Column({ name: 'failed_checks', type: 'integer' })
  failedChecks: number;

  @Column({ name: 'last_failure_at', type: 'timestamptz', precision: 3 })
  lastFailureAt: Date;

  /** No foreign key: raw check results are deleted by retention long before incidents are. */
  @Column({ name: 'opened_by_check_id', type: 'bigint', nullable: true })
  openedByCheckId: string | null;

  @Column({ name: 'resolved_by_check_id', type: 'bigint', nullable: true })
  resolvedByCheckId: string | null;
}
