import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';
import { PerRoute } from '../http/per-route';
import { responseMeta } from '../http/response-meta';
import type { VigilRequest } from '../http/vigil-request';
import { CREATED_LOCATION } from './created-location.decorator';
import { Page } from './page';

export const RAW_RESPONSE = 'vigil:raw-response';

/** Wraps every HTTP answer in the success envelope (204 stays empty; @RawResponse routes are left alone). */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  private readonly routes = new PerRoute<{ raw: boolean; location: string | undefined }>();

  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const { raw, location } = this.routes.get(context, () => {
      const targets = [context.getHandler(), context.getClass()];
      return {
        raw: this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, targets) === true,
        location: this.reflector.getAllAndOverride<string | undefined>(CREATED_LOCATION, targets),
      };
    });
    if (raw) return next.handle();
    const req = context.switchToHttp().getRequest<VigilRequest>();
    const res = context.switchToHttp().getResponse<Response>();

    return next.handle().pipe(
      map((result: unknown) => {
        if (res.statusCode === 204) return undefined;
        if (location && res.statusCode === 201 && result && typeof result === 'object') {
          const data = result as Record<string, unknown>;
          res.setHeader(
            'Location',
            location.replace('{version}', req.apiVersion ?? '1').replace(/:(\w+)/g, (_m, field: string) => encodeURIComponent(String(data[field]))),
          );
        }
        if (result instanceof Page) {
          return { success: true, data: result.items, meta: responseMeta(req), pagination: result.pagination };
        }
        return { success: true, data: result ?? null, meta: responseMeta(req) };
      }),
    );
  }
}
