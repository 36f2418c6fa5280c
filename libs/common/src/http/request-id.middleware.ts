import { randomUUID } from 'node:crypto';
import type { NextFunction, Response } from 'express';
import type { VigilRequest } from './vigil-request';

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const VERSION_IN_PATH = /^\/api\/v(\d+)(?:\/|$)/;

/**
 * First middleware of the app (before body parsing, so even a malformed body has an id): takes the
 * client's X-Request-ID when it is sane, otherwise makes one, and echoes it on the response.
 */
export function requestContext(req: VigilRequest, res: Response, next: NextFunction): void {
  req.id = requestIdFrom(req.headers['x-request-id']);
  req.startedAt = performance.now();
  req.apiVersion = VERSION_IN_PATH.exec(req.path)?.[1];
  res.setHeader('X-Request-ID', req.id);
  next();
}

export function elapsedMs(req: Pick<VigilRequest, 'startedAt'>): number {
  if (!req.startedAt) return 0;
  return Math.round(performance.now() - req.startedAt);
}

/** The client's X-Request-ID when it is sane, otherwise a new UUID. */
export function requestIdFrom(given: unknown): string {
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}
