import { hash } from 'node:crypto';
import type { VigilRequest } from './vigil-request';

const PRESENTED = Symbol('vigil:presented-api-key');

/** The X-API-Key a request presents and its SHA-256 (hex), the form keys are stored and counted under. */
export interface PresentedApiKey {
  key: string;
  hash: string;
}

type WithPresented = VigilRequest & { [PRESENTED]?: PresentedApiKey | null };

/**
 * The request's API key (trimmed) with its hash, or null without one. Hashed once per request: the rate
 * limiter (which counts per key) and the key check both need it. `crypto.hash` is the one-shot form: about a
 * third of createHash().update().digest() for a key this short.
 */
export function presentedApiKey(req: VigilRequest): PresentedApiKey | null {
  const r = req as WithPresented;
  if (r[PRESENTED] !== undefined) return r[PRESENTED];
  const raw = req.headers['x-api-key'];
  const key = typeof raw === 'string' ? raw.trim() : '';
  r[PRESENTED] = key === '' ? null : { key, hash: hash('sha256', key, 'hex') };
  return r[PRESENTED];
}
