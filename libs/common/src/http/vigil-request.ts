import type { Request } from 'express';

export type Role = 'admin' | 'operator' | 'viewer';

/** Who is calling: set by the API-key guard. */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  prefix: string;
}

/** The request as Vigil's middleware leaves it. */
export interface VigilRequest extends Request {
  id: string;
  /** performance.now() when the request arrived (ms, monotonic). */
  startedAt: number;
  /** The API version from the URL ("1", "2") or undefined for unversioned routes. */
  apiVersion?: string;
  principal?: Principal;
}
