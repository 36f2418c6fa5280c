import { REGEX_INPUT_LIMIT, testRegex } from './safe-regex';

describe('testRegex', () => {
  it('matches ordinary patterns, with /source/flags for flags', () => {
    expect(testRegex('"status":\\s*"UP"', '{"status": "UP"}')).toEqual({ ok: true, matched: true });
    expect(testRegex('^down$', 'UP')).toEqual({ ok: true, matched: false });
    expect(testRegex('/^up$/i', 'UP')).toEqual({ ok: true, matched: true });
  });

  it('reports an invalid pattern instead of throwing', () => {
    expect(testRegex('([a-z', 'abc')).toEqual({ ok: false, problem: expect.stringMatching(/^invalid pattern: /) });
    expect(testRegex('x'.repeat(1001), 'abc')).toEqual({ ok: false, problem: expect.stringContaining('longer than 1000') });
  });

  it('only looks at the first REGEX_INPUT_LIMIT characters', () => {
    const input = 'a'.repeat(REGEX_INPUT_LIMIT) + 'needle';
    expect(testRegex('needle', input)).toEqual({ ok: true, matched: false });
    expect(testRegex('needle', 'needle' + input)).toEqual({ ok: true, matched: true });
  });

  it('stops a catastrophically backtracking pattern within its time limit', () => {
    const started = Date.now();
    expect(testRegex('^(a+)+$', 'a'.repeat(40) + 'b')).toEqual({ ok: false, problem: expect.stringContaining('stopped') });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
