import { AppError, type ErrorDetail, VigilValidationPipe } from '@vigil/common';
import { loadConfig } from '@vigil/config';
import { draftFromInput } from './endpoint-draft';
import { EndpointRules } from './endpoint-rules';
import { TargetPolicy } from './target-policy';
import { BulkEndpointsDto } from './dto/bulk-endpoints.dto';
import { CreateEndpointDto } from './dto/create-endpoint.dto';
import { PatchEndpointDto } from './dto/update-endpoint.dto';

const config = loadConfig({});
const pipe = new VigilValidationPipe(config);
const rules = (env: Record<string, string> = {}) => new EndpointRules(loadConfig(env), new TargetPolicy([]));
const valid = { name: 'api', url: 'https://api.example.com/' };

/** The details the validation pipe refuses a body with (every route's DTO step); [] when it passes. */
async function refused(metatype: new () => object, body: unknown): Promise<ErrorDetail[]> {
  try {
    await pipe.transform(body, { type: 'body', metatype, data: undefined });
    return [];
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return err.details ?? [];
  }
}

describe('the interval minimum (CHECK_MIN_INTERVAL_S)', () => {
  const BELOW = { field: 'interval', message: 'interval must not be less than 10', value: 5 };

  it('is in the same answer as the DTO errors of a POST or PUT body, and of a PATCH body', async () => {
    expect(await refused(CreateEndpointDto, { ...valid, method: 'NOPE', interval: 5 })).toEqual([
      { field: 'method', message: expect.stringContaining('method must be one of'), value: 'NOPE' },
      BELOW,
    ]);
    expect(await refused(PatchEndpointDto, { method: 'NOPE', interval: 5 })).toEqual([expect.objectContaining({ field: 'method' }), BELOW]);
    // An interval under 1 is the configured minimum's to refuse too: no "must not be less than 1" first.
    expect(await refused(CreateEndpointDto, { ...valid, name: '', interval: 0 })).toContainEqual({ ...BELOW, value: 0 });
  });

  it('is in the same answer as the DTO errors of bulk items, named after each item', async () => {
    const body = {
      create: [
        { ...valid, interval: 60 },
        { ...valid, method: 'NOPE', interval: 5 },
      ],
      update: [{ id: '0b5e7d2c-3f4a-4f8e-9a61-2c7d8e9f0a1b', interval: 3 }],
    };
    expect(await refused(BulkEndpointsDto, body)).toEqual([
      expect.objectContaining({ field: 'create[1].method' }),
      { ...BELOW, field: 'create[1].interval' },
      { ...BELOW, field: 'update[0].interval', value: 3 },
    ]);
  });

  it('is left to EndpointRules when the DTO accepts the body, which reports it with the rules across fields', async () => {
    expect(await refused(CreateEndpointDto, { ...valid, interval: 5, timeout: 8 })).toEqual([]);
    const { problems } = rules().toDraft({ ...valid, interval: 5, timeout: 8 }, null, 'replace', 'create[2].');
    expect(problems).toEqual([
      { ...BELOW, field: 'create[2].interval' },
      { field: 'create[2].timeout', message: 'timeout must be less than the interval (5 s)', value: 8 },
    ]);
  });

  it('is checked by EndpointRules on the interval that would be stored, a default one included', () => {
    expect(rules({ CHECK_MIN_INTERVAL_S: '120' }).check(draftFromInput(valid))).toEqual([
      { field: 'interval', message: 'interval must not be less than 120', value: 60 },
    ]);
    expect(rules({ CHECK_MIN_INTERVAL_S: '60' }).check(draftFromInput(valid))).toEqual([]);
  });
});
