import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';

/**
 * This process's name as an endpoint owner (`lease_owner`, `scheduler_workers`) and in `check_results.worker`: host, pid and a random part, so a
 * restarted process (same pid in a new container) never passes for its predecessor.
 */
@Injectable()
export class WorkerIdentity {
  readonly id = `${hostname().slice(0, 60)}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
