import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { errorEnvelope, responseMeta, routeNotFound, type VigilRequest } from '@vigil/common';
import type { Express, Request, Response } from 'express';

/**
 * Nest answers unknown routes only under the global prefix (/api) and on the excluded paths themselves;
 * any other path (/x, /docs/x, /favicon.ico, a plain GET /ws/live) fell through to Express's HTML
 * "Cannot GET". Mounted once every route and Nest's own handlers are in place (application bootstrap
 * runs after them), this answers those with 404 RES_NOT_FOUND in the error envelope.
 */
@Injectable()
export class UnknownRouteFallback implements OnApplicationBootstrap {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const app = this.adapterHost.httpAdapter?.getInstance<Express>();
    app?.use((req: Request, res: Response) => {
      const error = routeNotFound(req.method, req.originalUrl);
      res.status(error.status).json(errorEnvelope(error, responseMeta(req as VigilRequest, false)));
    });
  }
}
