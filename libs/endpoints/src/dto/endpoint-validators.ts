import { registerDecorator, ValidateIf } from 'class-validator';
import { ASSERTION_OPERATORS, ENDPOINT_LIMITS as L, FORBIDDEN_REQUEST_HEADERS, HEADER_NAME } from '../endpoint-limits';
import { JsonPathError, parseJsonPath } from '../json-path';

type Problem = (value: unknown, object: Record<string, unknown>) => string | null;

/** A class-validator decorator from a function naming the problem (`null` when the value is fine). */
function rule(name: string, problem: Problem): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value, args) => problem(value, args!.object as Record<string, unknown>) === null,
        defaultMessage: (args) => `${args!.property} ${problem(args!.value, args!.object as Record<string, unknown>) ?? 'is invalid'}`,
      },
    });
}

/** Optional, but not null: `{"name": null}` is an error, not "no change". */
export const Defined = () => ValidateIf((_object, value) => value !== undefined);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStatusCode = (v: unknown) => Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 599;
const isStatusClass = (v: unknown) => typeof v === 'string' && /^[1-5]xx$/i.test(v);

export const IsTargetUrl = () =>
  rule('isTargetUrl', (value) => {
    if (typeof value !== 'string' || value.trim() === '') return 'must be an http or https URL';
    if (value.length > L.urlMaxLength) return `must be at most ${L.urlMaxLength} characters`;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return 'must be an absolute http or https URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
    if (!url.hostname) return 'must name a host';
    if (url.username || url.password) return 'must not carry credentials; send them in an Authorization header';
    return null;
  });

export const IsExpectedStatus = () =>
  rule('isExpectedStatus', (value) => {
    const item = (v: unknown) => isStatusCode(v) || isStatusClass(v);
    const hint = 'must be a status code (100-599), a class such as "2xx", or a list of them';
    if (Array.isArray(value)) {
      if (value.length === 0 || value.length > L.expectedStatusMaxItems) return `must list 1 to ${L.expectedStatusMaxItems} items`;
      return value.every(item) ? null : hint;
    }
    return item(value) ? null : hint;
  });

export const IsHeaderMap = () =>
  rule('isHeaderMap', (value) => {
    if (!isPlainObject(value)) return 'must be an object of header names to string values';
    const entries = Object.entries(value);
    if (entries.length > L.headersMaxCount) return `must hold at most ${L.headersMaxCount} headers`;
    const seen = new Set<string>();
    for (const [name, v] of entries) {
      // Names are echoed in messages (they are not secret); values never are.
      const shown = JSON.stringify(name.slice(0, 60));
      if (name.length > L.headerNameMaxLength || !HEADER_NAME.test(name)) return `has an invalid header name ${shown}`;
      if (seen.has(name.toLowerCase())) return `has the header ${shown} twice`;
      seen.add(name.toLowerCase());
      if (FORBIDDEN_REQUEST_HEADERS.includes(name.toLowerCase())) return `must not set ${shown} (the HTTP client sets it)`;
      if (typeof v !== 'string') return `value of ${shown} must be a string`;
      if (v.length > L.headerValueMaxLength) return `value of ${shown} must be at most ${L.headerValueMaxLength} characters`;
      if (/[\r\n\0]/.test(v)) return `value of ${shown} must not contain line breaks`;
    }
    return null;
  });

/** A string, or a JSON object/array (sent as JSON); null means no body. */
export const IsRequestBody = () =>
  rule('isRequestBody', (value) => {
    if (value === null) return null;
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'object') text = JSON.stringify(value);
    else return 'must be a string or a JSON object';
    return Buffer.byteLength(text) > L.bodyMaxBytes ? `must be at most ${L.bodyMaxBytes} bytes` : null;
  });

const operatorsOf = (object: Record<string, unknown>): readonly string[] | undefined =>
  ASSERTION_OPERATORS[object.type as keyof typeof ASSERTION_OPERATORS] as readonly string[] | undefined;

export const IsAssertionOperator = () =>
  rule('isAssertionOperator', (value, object) => {
    const allowed = operatorsOf(object);
    if (!allowed) return null; // the type is wrong; that error is enough
    return typeof value === 'string' && allowed.includes(value) ? null : `must be one of ${allowed.join(', ')} for a ${String(object.type)} assertion`;
  });

function regexProblem(value: string): string | null {
  try {
    new RegExp(value);
    return null;
  } catch {
    return 'must be a valid regular expression';
  }
}

function textProblem(value: unknown, regex: boolean): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
  if (value.length > L.assertionTextMaxLength) return `must be at most ${L.assertionTextMaxLength} characters`;
  return regex ? regexProblem(value) : null;
}

export const IsAssertionValue = () =>
  rule('isAssertionValue', (value, object) => {
    const { type, operator } = object;
    if (!operatorsOf(object) || !operatorsOf(object)!.includes(operator as string)) return null;
    if (operator === 'exists') return value === undefined ? null : 'must be left out with the exists operator';
    if (value === undefined) return 'is required';
    switch (type) {
      case 'status':
        if (operator === 'in') {
          return Array.isArray(value) && value.length > 0 && value.length <= L.expectedStatusMaxItems && value.every(isStatusCode)
            ? null
            : `must be a list of 1 to ${L.expectedStatusMaxItems} status codes (100-599)`;
        }
        return isStatusCode(value) ? null : 'must be a status code (100-599)';
      case 'response_time':
        return Number.isInteger(value) && (value as number) > 0 && (value as number) <= 600_000 ? null : 'must be a whole number of milliseconds (1-600000)';
      case 'header':
      case 'body':
        return textProblem(value, operator === 'matches');
      case 'json_path':
        if (['lt', 'lte', 'gt', 'gte'].includes(operator as string)) return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
        if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) return 'must be a string, number, boolean or null';
        // 1e309 parses as Infinity, which JSON cannot hold: it was stored as null, another assertion than the one sent.
        if (typeof value === 'number' && !Number.isFinite(value)) return 'must be a finite number';
        return typeof value === 'string' && value.length > L.assertionTextMaxLength ? `must be at most ${L.assertionTextMaxLength} characters` : null;
      case 'tls_cert_days':
        return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 3650 ? null : 'must be a whole number of days (0-3650)';
      default:
        return null;
    }
  });

/** `name` of a header assertion: required there, not allowed elsewhere. */
export const IsAssertionHeaderName = () =>
  rule('isAssertionHeaderName', (value, object) => {
    if (object.type !== 'header') return value === undefined ? null : 'is only allowed in header assertions';
    return typeof value === 'string' && value.length <= L.headerNameMaxLength && HEADER_NAME.test(value) ? null : 'must be a header name';
  });

const JSON_PATH_HINT = 'must be a JSON path such as $.status, $.items[0].id or $.items.length';

/**
 * `path` of a json_path assertion: required there, not allowed elsewhere. Checked with the checker's own
 * parser, so a path accepted here is one a check can evaluate, and every path it can evaluate is accepted.
 */
export const IsAssertionPath = () =>
  rule('isAssertionPath', (value, object) => {
    if (object.type !== 'json_path') return value === undefined ? null : 'is only allowed in json_path assertions';
    if (typeof value !== 'string') return JSON_PATH_HINT;
    if (value.length > L.jsonPathMaxLength) return `must be at most ${L.jsonPathMaxLength} characters`;
    try {
      parseJsonPath(value);
      return null;
    } catch (err) {
      return err instanceof JsonPathError ? `${JSON_PATH_HINT} (${err.reason})` : JSON_PATH_HINT;
    }
  });
