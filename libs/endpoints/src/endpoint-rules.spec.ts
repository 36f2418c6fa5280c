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

describe('the rules across fields, on a body the DTO refuses', () => {
  // Registered for the pipe's configuration, as the app's EndpointRules is.
  new EndpointRules(config, new TargetPolicy([]));
  const badMethod = { field: 'method', message: expect.stringContaining('method must be one of'), value: 'NOPE' };

  it('lists them next to the DTO errors of a POST or PUT body, defaults filled in for what is left out', async () => {
    expect(await refused(CreateEndpointDto, { ...valid, url: 'http://127.0.0.1/health', method: 'NOPE', interval: 30, timeout: 30 })).toEqual([
      badMethod,
      { field: 'timeout', message: 'timeout must be less than the interval (30 s)', value: 30 },
      { field: 'url', message: expect.stringContaining('url is not allowed') },
    ]);
    // GET is the default method: a body needs another one.
    expect(
      await refused(CreateEndpointDto, {
        ...valid,
        name: '',
        body: 'x',
        assertions: [{ type: 'tls_cert_days', operator: 'gt', value: 7 }],
        url: 'http://api.example.com/',
      }),
    ).toEqual([
      expect.objectContaining({ field: 'name' }),
      { field: 'body', message: 'body is not allowed with GET' },
      { field: 'assertions[0].type', message: 'a tls_cert_days assertion needs an https url' },
    ]);
  });

  it('leaves out a rule that reads a refused field: no guess from a default that would not be stored', async () => {
    // The interval is refused, so the timeout is not compared with the default interval.
    expect(await refused(CreateEndpointDto, { ...valid, interval: 45.5, timeout: 60 })).toEqual([expect.objectContaining({ field: 'interval' })]);
    // The method is refused: whether a body may be sent with it is not known.
    expect(await refused(CreateEndpointDto, { ...valid, method: 'NOPE', body: 'x' })).toEqual([badMethod]);
    expect(await refused(CreateEndpointDto, { ...valid, url: 'ftp://x', assertions: [{ type: 'tls_cert_days', operator: 'gt', value: 7 }] })).toEqual([
      expect.objectContaining({ field: 'url' }),
    ]);
  });

  it('checks a PATCH body only on rules whose fields it sends (the others are the stored endpoint’s, checked once the DTO passes)', async () => {
    expect(await refused(PatchEndpointDto, { method: 'NOPE', timeout: 40 })).toEqual([badMethod]);
    expect(await refused(PatchEndpointDto, { method: 'NOPE', timeout: 40, interval: 30 })).toEqual([
      badMethod,
      { field: 'timeout', message: 'timeout must be less than the interval (30 s)', value: 40 },
    ]);
    expect(await refused(PatchEndpointDto, { method: 'NOPE', url: 'http://10.0.0.1/' })).toEqual([
      badMethod,
      { field: 'url', message: expect.stringContaining('url is not allowed') },
    ]);
  });

  it('names them after their bulk item, for created and updated items alike', async () => {
    const body = {
      create: [
        { ...valid, method: 'NOPE' },
        { ...valid, interval: 45.5, url: 'http://169.254.169.254/latest' },
      ],
      update: [{ id: '0b5e7d2c-3f4a-4f8e-9a61-2c7d8e9f0a1b', method: 'GET', body: 'x' }],
    };
    expect(await refused(BulkEndpointsDto, body)).toEqual([
      expect.objectContaining({ field: 'create[0].method' }),
      expect.objectContaining({ field: 'create[1].interval' }),
      { field: 'create[1].url', message: expect.stringContaining('url is not allowed') },
      { field: 'update[0].body', message: 'body is not allowed with GET' },
    ]);
  });

  it('blames no timeout for an interval of 0, which only the minimum reports (its default timeout would be 0 too)', async () => {
    expect(await refused(CreateEndpointDto, { ...valid, method: 'NOPE', interval: 0 })).toEqual([
      badMethod,
      expect.objectContaining({ field: 'interval', value: 0 }),
    ]);
    expect(rules().check(draftFromInput({ ...valid, interval: 0 }))).toEqual([expect.objectContaining({ field: 'interval' })]);
    expect(rules().check(draftFromInput({ ...valid, interval: 5, timeout: 5 }))).toEqual([
      expect.objectContaining({ field: 'interval' }),
      expect.objectContaining({ field: 'timeout' }),
    ]);
  });

  it('leaves a DTO that passes to the service, which runs the same rules on what would be stored', async () => {
    expect(await refused(CreateEndpointDto, { ...valid, url: 'http://127.0.0.1/' })).toEqual([]);
  });
});
