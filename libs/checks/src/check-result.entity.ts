import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AssertionResult } from './check-types';

/** The phase timings of a stored result, one `real` column each, named as its property (see PhaseTimings for what they measure). */
export class PhaseTimingColumns {
  @Column({ type: 'real' })
  dns_ms: number;

  @Column({ type: 'real' })
  connect_ms: number;

  @Column({ type: 'real' })
  tls_ms: number;

  @Column({ type: 'real' })
  first_byte_ms: number;

  @Column({ type: 'real' })
  total_ms: number;

  /** Null (as read) or absent (as the checker gives it) when no connection served the request. */
  @Column({ type: 'boolean', nullable: true })
  reused_connection?: boolean | null;
}

/** One stored check: a scheduled slot (`scheduled_for`, at most one result per slot) or a manual run. */
@Entity({ name: 'check_results' })
export class CheckResultEntity {
  /** bigint: kept as a string so no id ever loses precision. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  /** The slot this result is for; null for a manual check. */
  @Column({ name: 'scheduled_for', type: 'timestamptz', precision: 3, nullable: true })
  scheduledFor: Date | null;

  @Column({ name: 'checked_at', type: 'timestamptz', precision: 3 })
  checkedAt: Date;

  @Column({ type: 'boolean' })
  success: boolean;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ name: 'response_time_ms', type: 'integer' })
  responseTimeMs: number;

  @Column({ type: 'varchar', length: 32, nullable: true })
  reason: string | null;

  @Column({ type: 'text', nullable: true })
  message: string | null;

  @Column({ type: 'smallint' })
  attempts: number;

  @Column(() => PhaseTimingColumns, { prefix: false })
  timings: PhaseTimingColumns;

  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` })
  assertions: AssertionResult[];

  @Column({ type: 'boolean', default: false })
  manual: boolean;

  /** The worker (or API instance) that ran the check. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  worker: string | null;

  /** The check ran inside a maintenance window: it counts in history but opens no incident and is left out of SLAs. */
  @Column({ name: 'in_maintenance', type: 'boolean', default: false })
  inMaintenance: boolean;
}
