import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/** A request that carries a body must carry JSON: anything else is 415, before any handler runs. */
export function jsonBodiesOnly(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody || JSON_TYPE.test(req.headers['content-type'] ?? '')) return next();
  next(new AppError(ErrorCode.VAL_UNSUPPORTED_MEDIA_TYPE, `Content-Type ${req.headers['content-type'] ?? '(none)'} is not supported; send application/json`));
}
