import type { VigilRequest } from './vigil-request';

const CLIENT_IP = Symbol('vigil:client-ip');

type WithClientIp = VigilRequest & { [CLIENT_IP]?: string | undefined };

/**
 * The client's address as Express works it out (`req.ip`: the socket's, or per `trust proxy` the
 * X-Forwarded-For hop), once per request: Express's getter parses the header chain on every read, and the
 * per-IP rate limit and the caller's budget both ask.
 */
export function clientIp(req: VigilRequest): string | undefined {
  const r = req as WithClientIp;
  if (!(CLIENT_IP in r)) r[CLIENT_IP] = req.ip;
  return r[CLIENT_IP];
}
