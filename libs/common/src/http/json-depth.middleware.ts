import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';

/**
 * How deep a JSON body may nest (the body itself is level 1). The parser reads any depth, but what comes
 * after it (class-transformer, class-validator, the Idempotency-Key fingerprint) recurses once per level
 * and overflows the stack somewhere below 10,000 levels: a 500 for a 20 KB body.
 */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests arrays and objects more than `max` levels deep. Walks without recursion. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const pending: Array<[object, number]> = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
    }
  }
  return false;
}

/** After the JSON parser: a body nested deeper than MAX_JSON_DEPTH is 400 VAL_MALFORMED_JSON, before any guard or handler. */
export function jsonDepthLimit(req: Request, _res: Response, next: NextFunction): void {
  if (!nestsDeeperThan(req.body, MAX_JSON_DEPTH)) return next();
  next(new AppError(ErrorCode.VAL_MALFORMED_JSON, `JSON body nests deeper than ${MAX_JSON_DEPTH} levels`));
}
