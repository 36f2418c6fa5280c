import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers, by kind of answer. Pages (/docs, /docs/errors, /) get helmet's full set with a CSP
 * that lets Swagger UI run. JSON under /api renders nothing, so it gets the OWASP REST set only: a CSP
 * that allows nothing, no framing, nosniff, HSTS, no referrer, same-origin resources; the browser-page
 * headers (COOP, Origin-Agent-Cluster, DNS prefetch, ...) would be bytes on every answer for nothing.
 *
 * The JSON set is static (no nonce, nothing read from the request), so helmet is run once at start-up
 * against a recording response and every API answer gets the recorded headers in one loop, instead of
 * passing through helmet's chain of one middleware per header.
 */
export function securityHeaders(): RequestHandler {
  const forPages = helmet({ contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:'], 'upgrade-insecure-requests': null } } });
  const forJson = recordHeaders(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] } },
      crossOriginOpenerPolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  return (req, res, next) => {
    if (!req.url.startsWith('/api/')) return forPages(req, res, next);
    for (let i = 0; i < forJson.length; i++) res.setHeader(forJson[i][0], forJson[i][1]);
    next();
  };
}

/** The headers a middleware sets when it does not depend on the request. */
export function recordHeaders(middleware: RequestHandler): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
      return recorder;
    },
    removeHeader() {},
  };
  let passed = false;
  void middleware({} as never, recorder as unknown as Response, () => (passed = true));
  if (!passed) throw new Error('the security-headers middleware did not pass the request on synchronously; its headers cannot be recorded');
  return headers;
}
