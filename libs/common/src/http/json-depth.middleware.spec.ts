import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.middleware';

const nested = (depth: number, leaf: unknown = 1): unknown => JSON.parse(`${'{"a":'.repeat(depth)}${JSON.stringify(leaf)}${'}'.repeat(depth)}`);

describe('nestsDeeperThan', () => {
  it('counts the body itself as level 1, objects and arrays alike', () => {
    expect(nestsDeeperThan({ a: 1 }, 1)).toBe(false);
    expect(nestsDeeperThan({ a: {} }, 1)).toBe(true);
    expect(nestsDeeperThan([[]], 2)).toBe(false);
    expect(nestsDeeperThan([[[]]], 2)).toBe(true);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
  });

  it('finds the deep branch among shallow ones', () => {
    expect(nestsDeeperThan({ x: [1, 2, { y: 3 }], z: { deep: nested(10) } }, 10)).toBe(true);
    expect(nestsDeeperThan({ x: [1, 2, { y: 3 }], z: { deep: nested(8) } }, 10)).toBe(false);
  });

  it('is false for scalars and no body', () => {
    for (const v of [undefined, null, 0, 'text', true]) expect(nestsDeeperThan(v, 1)).toBe(false);
  });

  it('measures a body nested 200,000 levels without overflowing the stack', () => {
    expect(nestsDeeperThan(JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`), MAX_JSON_DEPTH)).toBe(true);
  });
});
