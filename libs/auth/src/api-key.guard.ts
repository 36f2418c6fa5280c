import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError, ErrorCode, IS_PUBLIC, PerRoute, type Principal, presentedApiKey, ROLES, type Role, type VigilRequest } from '@vigil/common';
import { ApiKeysService } from './api-keys.service';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const DEFAULT_WRITERS: Role[] = ['admin', 'operator'];

/**
 * Global guard: every route needs a valid X-API-Key unless marked @Public(). Roles come from @Roles();
 * without it any role may read and operator or admin may write. Admin may do everything.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  /** Per route: public or not, and the roles it names (undefined: the read/write default). */
  private readonly routes = new PerRoute<{ isPublic: boolean; roles: Role[] | undefined }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  /** Synchronous when the key's lookup is cached (Nest then awaits nothing for this guard), else a promise. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const route = this.routes.get(context, () => {
      const targets = [context.getHandler(), context.getClass()];
      return {
        isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) === true,
        roles: this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets),
      };
    });
    if (route.isPublic) return true;
    const req = context.switchToHttp().getRequest<VigilRequest>();
    const presented = presentedApiKey(req);
    if (!presented) throw new AppError(ErrorCode.AUTH_MISSING_API_KEY);
    const known = this.keys.authenticateCached(presented.hash);
    if (known) return this.permit(req, known.principal, route.roles);
    return this.keys.authenticate(presented.key, presented.hash).then((principal) => this.permit(req, principal, route.roles));
  }

  private permit(req: VigilRequest, principal: Principal, roles: Role[] | undefined): true {
    req.principal = principal;
    const allowed = roles ?? (READ_METHODS.has(req.method) ? undefined : DEFAULT_WRITERS);
    if (allowed && principal.role !== 'admin' && !allowed.includes(principal.role)) {
      throw new AppError(ErrorCode.PERM_DENIED, `This action needs one of the roles: ${allowed.join(', ')} (your key is ${principal.role})`);
    }
    return true;
  }
}
