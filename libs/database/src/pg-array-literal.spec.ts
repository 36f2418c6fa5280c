import { pgArrayLiteral } from './pg-array-literal';

describe('pgArrayLiteral', () => {
  it('quotes every string and escapes quotes and backslashes, so any text stays one element', () => {
    expect(pgArrayLiteral(['a', '', 'NULL', 'x,y', '{z}', 'say "hi"', 'C:\\dir'])).toBe('{"a","","NULL","x,y","{z}","say \\"hi\\"","C:\\\\dir"}');
  });

  it('writes null and undefined as NULL, booleans as t/f, and numbers as they are', () => {
    expect(pgArrayLiteral([null, undefined, true, false, 0, -1.5, 1764000000123])).toBe('{NULL,NULL,t,f,0,-1.5,1764000000123}');
  });

  it('spells non-finite numbers the way float8 reads them', () => {
    expect(pgArrayLiteral([NaN, Infinity, -Infinity])).toBe('{"NaN","Infinity","-Infinity"}');
  });

  it('writes an empty array as {}', () => {
    expect(pgArrayLiteral([])).toBe('{}');
  });
});
