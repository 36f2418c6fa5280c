import { AppError, VigilValidationPipe } from '@vigil/common';
import { loadConfig } from '@vigil/config';
import { CreateEndpointDto } from './dto/create-endpoint.dto';
import { ENDPOINT_LIMITS } from './endpoint-limits';
import { evaluateJsonPath, JsonPathError, parseJsonPath } from './json-path';

const doc = {
  status: 'UP',
  items: [{ id: 1, tags: ['a', 'b'] }, { id: 2 }],
  'display name': 'Vigil',
  nested: { length: 7, empty: [] },
  nothing: null,
  'x-request-id': 'r-1',
  café: 'au lait',
  '@type': 'Service',
  '123': 'digits',
  $ref: '#/defs/a',
  "it's": 'single',
  'say "hi"': 'double',
  '*': 'star',
  'a.b': 'dotted',
};

const at = (path: string) => evaluateJsonPath(doc, parseJsonPath(path));

describe('parseJsonPath', () => {
  it('reads dot, index and quoted-bracket steps', () => {
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('$.a.b[0].c')).toEqual(['a', 'b', 0, 'c']);
    expect(parseJsonPath(`$['display name']["x\\"y"][-1]`)).toEqual(['display name', 'x"y', -1]);
    expect(parseJsonPath(' $.items.length ')).toEqual(['items', 'length']);
  });

  it.each(['status', '$.', '$..a', '$[abc]', '$.a b', "$['open"])('refuses %j with a message', (path) => {
    expect(() => parseJsonPath(path)).toThrow(/JSON path/);
  });
});

describe('evaluateJsonPath', () => {
  it('follows names and indexes', () => {
    expect(at('$.status')).toEqual({ found: true, value: 'UP' });
    expect(at('$.items[1].id')).toEqual({ found: true, value: 2 });
    expect(at('$.items[-1].id')).toEqual({ found: true, value: 2 });
    expect(at('$.items[0].tags[1]')).toEqual({ found: true, value: 'b' });
    expect(at(`$['display name']`)).toEqual({ found: true, value: 'Vigil' });
    expect(at('$.nothing')).toEqual({ found: true, value: null });
    expect(at('$')).toEqual({ found: true, value: doc });
  });

  it('gives the length of arrays and strings, but a real "length" key wins', () => {
    expect(at('$.items.length')).toEqual({ found: true, value: 2 });
    expect(at('$.status.length')).toEqual({ found: true, value: 2 });
    expect(at('$.nested.empty.length')).toEqual({ found: true, value: 0 });
    expect(at('$.nested.length')).toEqual({ found: true, value: 7 });
  });

  it('says where the path stops matching', () => {
    expect(at('$.items[5].id')).toEqual({ found: false, missing: '$.items[5]' });
    expect(at('$.status.code')).toEqual({ found: false, missing: '$.status.code' });
    expect(at('$.nothing.x')).toEqual({ found: false, missing: '$.nothing.x' });
    expect(at(`$.nested['a b']`)).toEqual({ found: false, missing: `$.nested['a b']` });
  });
});

/**
 * One table through both sides: create-time validation (the DTO pipe every POST, PUT, PATCH, bulk item and
 * monitors file goes through) and the evaluator a check runs. What one accepts the other must evaluate; what
 * one refuses the other refuses, for the same reason.
 */
describe('json_path paths: create-time validation and the evaluator agree', () => {
  const pipe = new VigilValidationPipe(loadConfig({}));
  const HINT = 'path must be a JSON path such as $.status, $.items[0].id or $.items.length';

  /** The validation problems of an endpoint with one json_path assertion on `path`; [] when it is accepted. */
  async function validationProblems(path: unknown): Promise<Array<{ field?: string; message: string }>> {
    const body = { name: 'api', url: 'https://api.example.com/', assertions: [{ type: 'json_path', path, operator: 'exists' }] };
    try {
      await pipe.transform(body, { type: 'body', metatype: CreateEndpointDto, data: undefined });
      return [];
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      expect(err.code).toBe('VAL_ERROR');
      return (err.details ?? []).map(({ field, message }) => ({ field, message }));
    }
  }

  it.each([
    ['$', doc],
    ['$.status', 'UP'],
    ['$.items[0].id', 1],
    ['$.items[-1].id', 2],
    ['$.items[ 1 ].id', 2],
    ['$.items.length', 2],
    ['$.status.length', 2],
    ['$.nested.length', 7],
    ['$.nothing', null],
    [`$['display name']`, 'Vigil'],
    ['$["display name"]', 'Vigil'],
    ['$.x-request-id', 'r-1'],
    ['$.café', 'au lait'],
    ['$.@type', 'Service'],
    ['$.123', 'digits'],
    ['$.$ref', '#/defs/a'],
    [`$['it\\'s']`, 'single'],
    ['$["say \\"hi\\""]', 'double'],
    [`$['*']`, 'star'],
    [`$['a.b']`, 'dotted'],
    [' $.status ', 'UP'],
  ])('accepts %j at create time, and a check finds it', async (path, value) => {
    expect(await validationProblems(path)).toEqual([]);
    expect(evaluateJsonPath(doc, parseJsonPath(path))).toEqual({ found: true, value });
  });

  it.each([
    ['status', /must start with \$/],
    ['', /must start with \$/],
    ['$status', /unexpected "s" at position 1/],
    ['$.', /a name must follow "\." at position 1/],
    ['$.items.', /a name must follow "\." at position 7/],
    ['$..status', /recursive descent/],
    ['$.*', /wildcards are not supported/],
    ['$.items.*.id', /wildcards are not supported/],
    ['$.items[*]', /expected \[number\] or \['name'\] at position 7/],
    ['$.items[0:2]', /expected \[number\]/],
    ['$.items[?(@.id==1)]', /expected \[number\]/],
    ['$.items[1e2]', /expected \[number\]/],
    ['$.a b', /unexpected " " at position 3/],
    [`$['open`, /expected \[number\]/],
    ['$["a\\"]', /expected \[number\]/],
    ['  $.', /a name must follow "\." at position 3/],
  ])('refuses %j at create time, naming assertions[0].path, for the reason the evaluator refuses it', async (path, reason) => {
    let refused: unknown;
    try {
      parseJsonPath(path);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(JsonPathError);
    expect((refused as JsonPathError).reason).toMatch(reason);
    expect(await validationProblems(path)).toEqual([{ field: 'assertions[0].path', message: `${HINT} (${(refused as JsonPathError).reason})` }]);
  });

  it('refuses a path that is not a string, and one over the length bound, which the grammar itself would take', async () => {
    expect(await validationProblems(42)).toEqual([{ field: 'assertions[0].path', message: HINT }]);
    const long = `$${'.a'.repeat(ENDPOINT_LIMITS.jsonPathMaxLength)}`;
    expect(parseJsonPath(long)).toHaveLength(ENDPOINT_LIMITS.jsonPathMaxLength);
    expect(await validationProblems(long)).toEqual([
      { field: 'assertions[0].path', message: `path must be at most ${ENDPOINT_LIMITS.jsonPathMaxLength} characters` },
    ]);
  });
});
