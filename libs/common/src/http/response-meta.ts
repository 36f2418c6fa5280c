import { elapsedMs } from './request-id.middleware';
import type { VigilRequest } from './vigil-request';

export interface ResponseMeta {
  timestamp: string;
  request_id: string;
  api_version: string | null;
  execution_time_ms?: number;
}

export function responseMeta(req: VigilRequest, withTiming = true): ResponseMeta {
  const meta: ResponseMeta = {
    timestamp: new Date().toISOString(),
    request_id: req.id,
    api_version: req.apiVersion ?? null,
  };
  if (withTiming) meta.execution_time_ms = elapsedMs(req);
  return meta;
}
