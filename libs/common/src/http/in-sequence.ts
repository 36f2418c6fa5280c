import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** A middleware step; `req` may be a richer request type (VigilRequest) set up by an earlier step. */
type Step = (req: any, res: Response, next: NextFunction) => unknown;

/**
 * Express middleware run one after another as a single layer of the app's router. Each layer costs every
 * request a match, a prefix trim and a try/catch in the router; the edge middleware that every request goes
 * through (request id, security headers, versions, content type) needs none of that between its steps.
 * A step that calls `next(err)` (or throws) ends the sequence and hands the error to Express, as it would
 * as a layer of its own. Steps must be synchronous up to their `next()` call or be error-safe promises.
 */
export function inSequence(...steps: Step[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined && err !== null && err !== false) return next(err);
      const handler = steps[i++];
      if (!handler) return next();
      try {
        void handler(req, res, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
