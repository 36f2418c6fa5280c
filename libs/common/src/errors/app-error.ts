import { catalogueEntry } from './error-catalogue';
import { ErrorCode } from './error-codes';

export interface ErrorDetail {
  field?: string;
  message: string;
  value?: unknown;
}

/** The only error services throw: a catalogued code, a message for the client and optional details. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: ErrorDetail[],
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    const entry = catalogueEntry(code);
    super(message ?? entry.message, { cause: options?.cause });
    this.name = 'AppError';
    this.status = entry.status;
    this.headers = options?.headers;
  }

  readonly headers?: Record<string, string>;
}

/** No route takes `method` on `path` (none there, or not with that method: the contract has no 405). */
export function routeNotFound(method: string, path: string): AppError {
  return new AppError(ErrorCode.RES_NOT_FOUND, `Route ${method} ${path} not found`);
}
