import type { Request } from 'express';

/** A relative URL for the same route and filters with some query parameters replaced. */
export function linkWith(req: Pick<Request, 'originalUrl'>, changes: Record<string, string | number | undefined>): string {
  const url = new URL(req.originalUrl, 'http://vigil.local');
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) url.searchParams.delete(k);
    else url.searchParams.set(k, String(v));
  }
  return `${url.pathname}${url.search}`;
}
