import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal, VigilRequest } from '../http/vigil-request';

/** The calling API key's principal (set by the API-key guard). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal | undefined => ctx.switchToHttp().getRequest<VigilRequest>().principal,
);
