import type { Assertion, ExpectedStatus, HttpMethod, RetryPolicy } from './endpoint-definition';
import type { EndpointEntity } from './endpoint.entity';
import { ENDPOINT_DEFAULTS } from './endpoint-limits';
import type { AssertionDto } from './dto/assertion.dto';
import type { CreateEndpointDto } from './dto/create-endpoint.dto';

/** A complete, normalized endpoint definition: what the API, bulk calls and monitors files all reduce to. */
export interface EndpointDraft {
  name: string;
  url: string;
  method: HttpMethod;
  intervalS: number;
  timeoutMs: number;
  expectedStatus: ExpectedStatus;
  headers: Record<string, string>;
  body: string | null;
  isActive: boolean;
  tags: string[];
  retry: RetryPolicy;
  assertions: Assertion[];
}

/** The request field behind each draft field: error details and diffs use the names clients write. */
export const FIELD_NAMES: Record<keyof EndpointDraft, string> = {
  name: 'name',
  url: 'url',
  method: 'method',
  intervalS: 'interval',
  timeoutMs: 'timeout',
  expectedStatus: 'expected_status',
  headers: 'headers',
  body: 'body',
  isActive: 'is_active',
  tags: 'tags',
  retry: 'retry',
  assertions: 'assertions',
};

/**
 * A draft from validated input. Without `base` (POST, PUT, a monitors file) every field left out takes
 * its default; with `base` (PATCH, bulk update) it keeps the base's value.
 */
export function draftFromInput(input: Partial<CreateEndpointDto>, base?: EndpointDraft): EndpointDraft {
  const intervalS = input.interval ?? base?.intervalS ?? ENDPOINT_DEFAULTS.intervalS;
  const timeoutMs =
    input.timeout !== undefined
      ? Math.round(input.timeout * 1000)
      : (base?.timeoutMs ?? Math.round(Math.min(ENDPOINT_DEFAULTS.timeoutS, intervalS / 2) * 1000));
  let headers = input.headers !== undefined ? { ...input.headers } : { ...(base?.headers ?? {}) };
  let body = base?.body ?? null;
  if (input.body !== undefined) {
    body = input.body === null ? null : typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
    // A body given as JSON is sent as JSON unless the definition says otherwise.
    if (input.body !== null && typeof input.body === 'object' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers = { ...headers, 'Content-Type': 'application/json' };
    }
  }
  return {
    name: input.name ?? base!.name,
    url: input.url?.trim() ?? base!.url,
    method: input.method ?? base?.method ?? ENDPOINT_DEFAULTS.method,
    intervalS,
    timeoutMs,
    expectedStatus:
      input.expected_status !== undefined ? normalizeExpectedStatus(input.expected_status) : (base?.expectedStatus ?? ENDPOINT_DEFAULTS.expectedStatus),
    headers,
    body,
    isActive: input.is_active ?? base?.isActive ?? true,
    tags: input.tags !== undefined ? [...new Set(input.tags)] : [...(base?.tags ?? [])],
    retry: input.retry !== undefined ? { ...ENDPOINT_DEFAULTS.retry, ...definedOnly(input.retry) } : (base?.retry ?? { ...ENDPOINT_DEFAULTS.retry }),
    assertions: input.assertions !== undefined ? input.assertions.map(toAssertion) : (base?.assertions ?? []),
  };
}

export function draftOf(row: EndpointEntity): EndpointDraft {
  return {
    name: row.name,
    url: row.url,
    method: row.method,
    intervalS: row.intervalS,
    timeoutMs: row.timeoutMs,
    expectedStatus: row.expectedStatus,
    headers: row.headers,
    body: row.body,
    isActive: row.isActive,
    tags: row.tags,
    retry: row.retry,
    assertions: row.assertions,
  };
}

/** The request names of the fields that differ (headers compared by name and value, tags as a set). */
export function changedFields(from: EndpointDraft, to: EndpointDraft): string[] {
  const canonical = (key: keyof EndpointDraft, d: EndpointDraft) => canonicalJson(key === 'tags' ? [...d.tags].sort() : d[key]);
  return (Object.keys(FIELD_NAMES) as Array<keyof EndpointDraft>).filter((k) => canonical(k, from) !== canonical(k, to)).map((k) => FIELD_NAMES[k]);
}

function normalizeExpectedStatus(value: ExpectedStatus): ExpectedStatus {
  const one = (v: number | string) => (typeof v === 'string' ? v.toLowerCase() : v);
  return Array.isArray(value) ? value.map(one) : one(value);
}

function toAssertion(dto: AssertionDto): Assertion {
  const plain: Record<string, unknown> = { type: dto.type };
  if (dto.name !== undefined) plain.name = dto.name;
  if (dto.path !== undefined) plain.path = dto.path;
  plain.operator = dto.operator;
  if (dto.value !== undefined) plain.value = dto.value;
  return plain as unknown as Assertion;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** JSON with object keys sorted, so two equal values give the same text whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
