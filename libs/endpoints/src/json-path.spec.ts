import { evaluateJsonPath, parseJsonPath } from './json-path';

const doc = {
  status: 'UP',
  items: [{ id: 1, tags: ['a', 'b'] }, { id: 2 }],
  'display name': 'Vigil',
  nested: { length: 7, empty: [] },
  nothing: null,
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
