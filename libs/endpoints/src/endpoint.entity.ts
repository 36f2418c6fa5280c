import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Assertion, ExpectedStatus, HttpMethod, RetryPolicy } from './endpoint-definition';
import type { EndpointStatus } from '@vigil/events';

/**
 * A monitored endpoint: its definition (what to check), its derived state (status, last result) and its
 * schedule (next due slot and the lease of the worker running it). The endpoints library owns the row;
 * the checks library changes state and schedule only through EndpointsScheduleRepository.
 */
@Entity({ name: 'endpoints' })
export class EndpointEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'varchar', length: 8 })
  method: HttpMethod;

  @Column({ name: 'interval_s', type: 'integer' })
  intervalS: number;

  @Column({ name: 'timeout_ms', type: 'integer' })
  timeoutMs: number;

  @Column({ name: 'expected_status', type: 'jsonb' })
  expectedStatus: ExpectedStatus;

  /** Stored as given; credential-like values are masked in every response. */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  headers: Record<string, string>;

  @Column({ type: 'text', nullable: true })
  body: string | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  tags: string[];

  @Column({ type: 'jsonb' })
  retry: RetryPolicy;

  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` })
  assertions: Assertion[];

  /** `api`, or `file:<path>` for endpoints applied from a monitors file. */
  @Column({ type: 'varchar', length: 300, default: 'api' })
  source: string;

  @Column({ type: 'varchar', length: 10, default: 'pending' })
  status: EndpointStatus;

  @Column({ name: 'status_since', type: 'timestamptz', precision: 3, default: () => 'now()' })
  statusSince: Date;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures: number;

  @Column({ name: 'consecutive_successes', type: 'integer', default: 0 })
  consecutiveSuccesses: number;

  /** The next due slot. Slots are anchored: next = previous slot + interval, never "now + interval". */
  @Column({ name: 'next_check_at', type: 'timestamptz', precision: 3 })
  nextCheckAt: Date;

  /** The worker process that runs this endpoint's checks (see Scheduler); null while no worker owns it. */
  @Column({ name: 'lease_owner', type: 'varchar', length: 100, nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'last_check_id', type: 'bigint', nullable: true })
  lastCheckId: string | null;

  @Column({ name: 'last_checked_at', type: 'timestamptz', precision: 3, nullable: true })
  lastCheckedAt: Date | null;

  @Column({ name: 'last_success', type: 'boolean', nullable: true })
  lastSuccess: boolean | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  @Column({ name: 'last_response_time_ms', type: 'integer', nullable: true })
  lastResponseTimeMs: number | null;

  @Column({ name: 'last_reason', type: 'varchar', length: 32, nullable: true })
  lastReason: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
