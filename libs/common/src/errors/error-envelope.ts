import type { ResponseMeta } from '../http/response-meta';
import type { AppError } from './app-error';
import { helpUrl } from './error-catalogue';

/** The body of every error answer, from the exception filter or from code that answers outside Express (WebSocket upgrades). */
export function errorEnvelope(error: AppError, meta: ResponseMeta): object {
  return {
    success: false,
    error: {
      code: error.code,
      message: error.message,
      ...(error.details?.length ? { details: error.details } : {}),
      help_url: helpUrl(error.code),
    },
    meta,
  };
}
