import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { inSequence } from './in-sequence';

const req = {} as Request;
const res = {} as Response;

function run(handler: RequestHandler): Promise<unknown[]> {
  return new Promise((resolve) => handler(req, res, ((...args: unknown[]) => resolve(args)) as NextFunction));
}

describe('inSequence', () => {
  it('runs every step in order, then calls next once with no error', async () => {
    const seen: string[] = [];
    const step =
      (name: string): RequestHandler =>
      (_q, _s, next) => {
        seen.push(name);
        next();
      };
    expect(await run(inSequence(step('a'), step('b'), step('c')))).toEqual([]);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('stops at a step that passes an error and hands that error to next', async () => {
    const after = jest.fn();
    const boom = new Error('boom');
    const args = await run(
      inSequence(
        (_q, _s, next) => next(boom),
        (_q, _s, next) => {
          after();
          next();
        },
      ),
    );
    expect(args).toEqual([boom]);
    expect(after).not.toHaveBeenCalled();
  });

  it('turns a step that throws into next(error)', async () => {
    const boom = new Error('thrown');
    expect(
      await run(
        inSequence(() => {
          throw boom;
        }),
      ),
    ).toEqual([boom]);
  });

  it('lets a step continue later (asynchronously)', async () => {
    const seen: string[] = [];
    const args = await run(
      inSequence(
        (_q, _s, next) => setTimeout(() => (seen.push('late'), next()), 5),
        (_q, _s, next) => (seen.push('then'), next()),
      ),
    );
    expect({ args, seen }).toEqual({ args: [], seen: ['late', 'then'] });
  });

  it('with no steps just calls next', async () => {
    expect(await run(inSequence())).toEqual([]);
  });
});
