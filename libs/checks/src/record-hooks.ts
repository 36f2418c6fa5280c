import { Injectable } from '@nestjs/common';
import type { EndpointState } from '@vigil/endpoints';
import type { EndpointStatusChangedEvent } from '@vigil/events';
import type { EntityManager } from 'typeorm';
import type { CheckResultEntity } from './check-result.entity';
import type { EndpointStateAfter } from './status/endpoint-status';

/** A result about to be stored: hooks may mark it before the insert. */
export interface PendingCheck {
  endpointId: string;
  checkedAt: Date;
  success: boolean;
  manual: boolean;
  /** Set by a hook when the check ran inside a maintenance window; stored as `check_results.in_maintenance`. */
  inMaintenance: boolean;
}

/** A result stored in the current transaction, with the endpoint state it moved from and to. */
export interface RecordedCheck {
  row: CheckResultEntity;
  before: EndpointState;
  after: EndpointStateAfter;
  /** The status change it caused, as published after the commit; null when the status stayed. */
  change: EndpointStatusChangedEvent | null;
}

/** An event a hook wants published once the transaction has committed. */
export interface HookEvent {
  channel: string;
  payload: unknown;
}

/**
 * Work other modules do in the same transaction as the results they depend on (rollups, incidents,
 * maintenance marks), so it can never be lost or done twice: it commits or rolls back with the batch.
 * A hook that throws rolls the whole batch back; the writer retries it.
 */
export interface CheckRecordHook {
  /** A short name for logs. */
  readonly name: string;
  /** Before the insert: may set flags on the pending rows. */
  beforeStore?(m: EntityManager, pending: PendingCheck[]): Promise<void>;
  /** After the rows and endpoint states are written. Returns events to publish after the commit. */
  afterStore?(m: EntityManager, recorded: RecordedCheck[]): Promise<HookEvent[] | void>;
}

/**
 * Where modules register their CheckRecordHooks (in onModuleInit). Hooks run in registration order;
 * a module that needs another's marks (rollups need maintenance marks) reads them from the rows.
 */
@Injectable()
export class CheckRecordHooks {
  private readonly hooks: CheckRecordHook[] = [];

  register(hook: CheckRecordHook): void {
    if (this.hooks.some((h) => h.name === hook.name)) throw new Error(`a check record hook named ${hook.name} is already registered`);
    this.hooks.push(hook);
  }

  get all(): readonly CheckRecordHook[] {
    return this.hooks;
  }
}
