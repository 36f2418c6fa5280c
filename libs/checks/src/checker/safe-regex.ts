import vm from 'node:vm';

/** Characters of input a pattern sees at most (bodies can be a megabyte; backtracking grows with input). */
export const REGEX_INPUT_LIMIT = 64 * 1024;
/** Longest pattern accepted. */
export const REGEX_PATTERN_LIMIT = 1000;
/** A pattern that backtracks for longer is stopped and fails its assertion instead of stalling the worker. */
export const REGEX_TIME_LIMIT_MS = 50;

export type RegexVerdict = { ok: true; matched: boolean } | { ok: false; problem: string };

const sandbox = vm.createContext(Object.create(null) as object);
const runner = new vm.Script('pattern.test(input)');

/**
 * Tests a user-supplied pattern against untrusted text without letting either hurt the process: invalid
 * or oversized patterns are reported, input is capped at REGEX_INPUT_LIMIT characters, and the match runs
 * under a time limit (V8 interrupts even a catastrophically backtracking regex). `/source/flags` sets flags.
 */
export function testRegex(pattern: string, input: string): RegexVerdict {
  if (pattern.length > REGEX_PATTERN_LIMIT) return { ok: false, problem: `pattern is longer than ${REGEX_PATTERN_LIMIT} characters` };
  let regex: RegExp;
  try {
    const literal = /^\/(.+)\/([imsu]*)$/s.exec(pattern);
    regex = literal ? new RegExp(literal[1], literal[2]) : new RegExp(pattern);
  } catch (err) {
    return { ok: false, problem: `invalid pattern: ${(err as Error).message}` };
  }
  const context = sandbox as { pattern?: RegExp; input?: string };
  context.pattern = regex;
  context.input = input.length > REGEX_INPUT_LIMIT ? input.slice(0, REGEX_INPUT_LIMIT) : input;
  try {
    return { ok: true, matched: runner.runInContext(sandbox, { timeout: REGEX_TIME_LIMIT_MS }) === true };
  } catch {
    return { ok: false, problem: `pattern ran longer than ${REGEX_TIME_LIMIT_MS} ms and was stopped` };
  } finally {
    context.pattern = undefined;
    context.input = undefined;
  }
}
