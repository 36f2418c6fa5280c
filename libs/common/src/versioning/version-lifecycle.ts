import type { NextFunction, Response } from 'express';
import type { ApiVersionPolicy } from '@vigil/config';
import { AppError } from '../errors/app-error';
import { ErrorCode } from '../errors/error-codes';
import type { VigilRequest } from '../http/vigil-request';

/**
 * Applies each API version's lifecycle from configuration: unknown versions are 400, removed ones 410,
 * deprecated ones answer with Deprecation (RFC 9745), Sunset (RFC 8594) and a successor Link, and a
 * version in maintenance is read-only (writes get 503 SYS_MAINTENANCE).
 */
export function versionLifecycle(policies: ApiVersionPolicy[]) {
  const byVersion = new Map(policies.map((p) => [p.version, p]));
  const supported = policies.filter((p) => p.status !== 'removed').map((p) => p.version);

  // The version that replaces each one: the next served (active or maintenance) version after it.
  const successors = new Map(
    policies.map((policy) => [
      policy.version,
      policies.find((p) => Number(p.version) > Number(policy.version) && (p.status === 'active' || p.status === 'maintenance'))?.version,
    ]),
  );

  return (req: VigilRequest, res: Response, next: NextFunction): void => {
    const version = req.apiVersion;
    if (version === undefined) {
      if (/^\/api\/(?!v\d+(\/|$))/.test(req.path) || req.path === '/api') {
        return next(new AppError(ErrorCode.VAL_UNSUPPORTED_API_VERSION, `Put the API version in the path: /api/v{${supported.join('|')}}/...`));
      }
      return next();
    }
    const policy = byVersion.get(version);
    if (!policy) {
      return next(
        new AppError(
          ErrorCode.VAL_UNSUPPORTED_API_VERSION,
          `API version v${version} is not supported; supported: ${supported.map((v) => `v${v}`).join(', ')}`,
          [{ field: 'version', message: `must be one of ${supported.join(', ')}`, value: version }],
        ),
      );
    }
    if (policy.status === 'active') return next();
    const successor = successors.get(version);
    const successorLink = successor ? `<${req.originalUrl.replace(`/api/v${version}`, `/api/v${successor}`)}>; rel="successor-version"` : undefined;
    if (policy.status === 'removed') {
      return next(
        new AppError(ErrorCode.RES_VERSION_REMOVED, `API version v${version} has been removed${successor ? `; use v${successor}` : ''}`, undefined, {
          headers: successorLink ? { Link: successorLink } : {},
        }),
      );
    }
    if (policy.status === 'deprecated') {
      const since = policy.deprecatedAt ?? new Date(0);
      res.setHeader('Deprecation', `@${Math.floor(since.getTime() / 1000)}`);
      if (policy.sunsetAt) res.setHeader('Sunset', policy.sunsetAt.toUTCString());
      if (successorLink) res.setHeader('Link', successorLink);
    }
    if (policy.status === 'maintenance' && !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
      return next(
        new AppError(ErrorCode.SYS_MAINTENANCE, `API version v${version} is read-only during maintenance`, undefined, { headers: { 'Retry-After': '60' } }),
      );
    }
    next();
  };
}
