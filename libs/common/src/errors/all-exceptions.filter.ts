import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { responseMeta } from '../http/response-meta';
import type { VigilRequest } from '../http/vigil-request';
import { errorEnvelope } from './error-envelope';
import { toAppError } from './to-app-error';

/** Every HTTP error leaves the server in the error envelope; 5xx causes go to the log with the request id. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const req = host.switchToHttp().getRequest<VigilRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    const error = toAppError(exception);

    if (error.status >= 500) {
      const cause = (error.cause ?? exception) as Error;
      this.logger.error({ request_id: req.id, code: error.code, err: cause, msg: `${req.method} ${req.originalUrl} failed: ${cause?.message ?? cause}` });
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
    res.status(error.status).json(errorEnvelope(error, responseMeta(req, false)));
  }
}
