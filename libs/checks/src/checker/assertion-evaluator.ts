import { isDeepStrictEqual } from 'node:util';
import { type Assertion, evaluateJsonPath, parseJsonPath } from '@vigil/endpoints';
import type { AssertionResult } from '../check-types';
import { testRegex } from './safe-regex';

/** What the checker saw of a response, as the assertions need it. */
export interface ObservedResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  /** The body as text ('' when there was none or it was not kept). */
  body: string;
  responseTimeMs: number;
  /** `https:` or `http:`: TLS assertions only mean something over https. */
  protocol: string;
  /** The peer certificate's expiry (https only; null when the certificate could not be read). */
  certificateValidTo: Date | null;
}

const DAY_MS = 86_400_000;
const SYMBOL: Record<string, string> = { eq: '==', ne: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=' };

/** Whether any assertion needs the response body (so the checker keeps it). */
export function needsBody(assertions: readonly Assertion[]): boolean {
  return assertions.some((a) => a.type === 'body' || a.type === 'json_path');
}

/**
 * Evaluates every assertion against a response; all must pass for the check to pass. Never throws: a
 * malformed assertion, an invalid pattern or a non-JSON body is a failed result with a message saying why.
 */
export function evaluateAssertions(assertions: readonly Assertion[], response: ObservedResponse, now: Date = new Date()): AssertionResult[] {
  let json: { ok: true; value: unknown } | { ok: false; problem: string } | undefined;
  const parsedBody = () => (json ??= parseJson(response.body));
  return assertions.map((assertion, index) => {
    try {
      return { index, type: assertion.type, ...evaluate(assertion, response, parsedBody, now) };
    } catch (err) {
      return { index, type: assertion?.type, passed: false, actual: null, message: `assertion could not be evaluated: ${(err as Error).message}` };
    }
  });
}

type Verdict = Pick<AssertionResult, 'passed' | 'actual' | 'message'>;
type JsonBody = () => { ok: true; value: unknown } | { ok: false; problem: string };

function evaluate(assertion: Assertion, response: ObservedResponse, parsedBody: JsonBody, now: Date): Verdict {
  switch (assertion.type) {
    case 'status':
      return evaluateStatus(assertion, response.status);
    case 'response_time': {
      const actual = response.responseTimeMs;
      return compareNumbers('response time (ms)', actual, assertion.operator, assertion.value);
    }
    case 'header':
      return evaluateHeader(assertion, response.headers);
    case 'body':
      return evaluateBody(assertion, response.body);
    case 'json_path':
      return evaluateJsonPathAssertion(assertion, parsedBody);
    case 'tls_cert_days':
      return evaluateCertificateDays(assertion, response, now);
    default:
      return { passed: false, actual: null, message: `unknown assertion type ${JSON.stringify((assertion as { type: unknown }).type)}` };
  }
}

function evaluateStatus(assertion: Extract<Assertion, { type: 'status' }>, status: number): Verdict {
  if (assertion.operator === 'in') {
    const allowed = Array.isArray(assertion.value) ? assertion.value : [assertion.value];
    const passed = allowed.includes(status);
    return { passed, actual: status, message: `status ${status} ${passed ? 'is' : 'is not'} in [${allowed.join(', ')}]` };
  }
  return compareNumbers('status', status, assertion.operator, assertion.value);
}

function evaluateHeader(assertion: Extract<Assertion, { type: 'header' }>, headers: ObservedResponse['headers']): Verdict {
  const name = assertion.name.toLowerCase();
  const raw = headers[name];
  const actual = raw === undefined ? null : Array.isArray(raw) ? raw.join(', ') : raw;
  if (assertion.operator === 'exists') {
    return { passed: actual !== null, actual, message: `header ${name} ${actual !== null ? 'is present' : 'is missing'}` };
  }
  if (actual === null) return { passed: false, actual, message: `header ${name} is missing` };
  const expected = String(assertion.value ?? '');
  switch (assertion.operator) {
    case 'eq':
      return {
        passed: actual === expected,
        actual,
        message: `header ${name} is ${quote(actual)}${actual === expected ? '' : `, expected ${quote(expected)}`}`,
      };
    case 'contains': {
      const passed = actual.includes(expected);
      return { passed, actual, message: `header ${name} ${passed ? 'contains' : 'does not contain'} ${quote(expected)}` };
    }
    case 'matches':
      return regexVerdict(`header ${name}`, expected, actual, actual);
    default:
      return unknownOperator(assertion.operator);
  }
}

function evaluateBody(assertion: Extract<Assertion, { type: 'body' }>, body: string): Verdict {
  const expected = String(assertion.value ?? '');
  const excerpt = body.length > 200 ? `${body.slice(0, 200)}...` : body;
  switch (assertion.operator) {
    case 'contains':
    case 'not_contains': {
      const contains = body.includes(expected);
      const passed = assertion.operator === 'contains' ? contains : !contains;
      return { passed, actual: excerpt, message: `body ${contains ? 'contains' : 'does not contain'} ${quote(expected)}` };
    }
    case 'matches':
      return regexVerdict('body', expected, body, excerpt);
    default:
      return unknownOperator(assertion.operator);
  }
}

function evaluateJsonPathAssertion(assertion: Extract<Assertion, { type: 'json_path' }>, parsedBody: JsonBody): Verdict {
  const segments = parseJsonPath(assertion.path);
  const body = parsedBody();
  if (!body.ok) return { passed: false, actual: null, message: `body is not JSON (${body.problem})` };
  const found = evaluateJsonPath(body.value, segments);
  if (assertion.operator === 'exists') {
    const wanted = assertion.value !== false;
    const passed = found.found === wanted;
    const actual = found.found ? found.value : null;
    return { passed, actual, message: found.found ? `${assertion.path} exists` : `${found.missing} does not exist` };
  }
  if (!found.found) return { passed: false, actual: null, message: `${found.missing} does not exist` };
  const actual = found.value;
  const expected = assertion.value;
  switch (assertion.operator) {
    case 'eq':
    case 'ne': {
      const equal = isDeepStrictEqual(actual, expected);
      const passed = assertion.operator === 'eq' ? equal : !equal;
      return {
        passed,
        actual,
        message: `${assertion.path} is ${json(actual)}${passed ? '' : `, expected ${assertion.operator === 'ne' ? 'anything but ' : ''}${json(expected)}`}`,
      };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      if (typeof actual !== 'number') return { passed: false, actual, message: `${assertion.path} is ${json(actual)}, not a number` };
      if (typeof expected !== 'number') return { passed: false, actual, message: `the assertion's value ${json(expected)} is not a number` };
      return compareNumbers(assertion.path, actual, assertion.operator, expected);
    case 'contains': {
      const passed =
        typeof actual === 'string'
          ? actual.includes(String(expected))
          : Array.isArray(actual)
            ? actual.some((item) => isDeepStrictEqual(item, expected))
            : false;
      if (typeof actual !== 'string' && !Array.isArray(actual)) {
        return { passed: false, actual, message: `${assertion.path} is ${json(actual)}, neither a string nor an array` };
      }
      return { passed, actual, message: `${assertion.path} ${passed ? 'contains' : 'does not contain'} ${json(expected)}` };
    }
    default:
      return unknownOperator(assertion.operator);
  }
}

function evaluateCertificateDays(assertion: Extract<Assertion, { type: 'tls_cert_days' }>, response: ObservedResponse, now: Date): Verdict {
  if (response.protocol !== 'https:') return { passed: false, actual: null, message: 'not https: there is no certificate to check' };
  if (!response.certificateValidTo) return { passed: false, actual: null, message: 'the peer certificate could not be read' };
  const days = Math.floor((response.certificateValidTo.getTime() - now.getTime()) / DAY_MS);
  return compareNumbers('certificate days remaining', days, assertion.operator, assertion.value);
}

function compareNumbers(subject: string, actual: number, operator: string, expected: unknown): Verdict {
  if (typeof expected !== 'number') return { passed: false, actual, message: `the assertion's value ${json(expected)} is not a number` };
  const passed = compare(actual, operator, expected);
  if (passed === null) return unknownOperator(operator);
  const rule = `${SYMBOL[operator]} ${expected}`;
  return { passed, actual, message: passed ? `${subject} is ${actual} (${rule})` : `${subject} is ${actual}, expected ${rule}` };
}

function compare(actual: number, operator: string, expected: number): boolean | null {
  switch (operator) {
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
    case 'lt':
      return actual < expected;
    case 'lte':
      return actual <= expected;
    case 'gt':
      return actual > expected;
    case 'gte':
      return actual >= expected;
    default:
      return null;
  }
}

function regexVerdict(subject: string, pattern: string, input: string, actual: unknown): Verdict {
  const verdict = testRegex(pattern, input);
  if (!verdict.ok) return { passed: false, actual, message: `${subject}: ${verdict.problem}` };
  return { passed: verdict.matched, actual, message: `${subject} ${verdict.matched ? 'matches' : 'does not match'} ${pattern}` };
}

function unknownOperator(operator: unknown): Verdict {
  return { passed: false, actual: null, message: `unknown operator ${JSON.stringify(operator)}` };
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (body.trim() === '') return { ok: false, problem: 'the body is empty' };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    return { ok: false, problem: (err as Error).message.slice(0, 120) };
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}...` : text);
}

function json(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}
