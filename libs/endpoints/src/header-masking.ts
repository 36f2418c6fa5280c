/**
 * Request headers of an endpoint are stored as given, but a value that looks like a credential never
 * leaves the service in clear: responses show `***` (or `Bearer ***` for an Authorization header, so
 * the scheme stays readable).
 *
 * Round trip: a PUT, PATCH or bulk update (or a client that copies a GET response) may send a masked
 * value back; under the same header name (case-insensitive) it means "keep the stored secret". A masked
 * value with no stored secret under that name is refused, so `***` is never stored by mistake.
 */
export const MASK = '***';

const SECRET_HEADER_NAMES = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const SECRET_NAME_PART = /key|token|secret|password|passwd|auth|session|credential|signature/i;
/** `<scheme> <credentials>` of an Authorization header (RFC 9110 auth-scheme token, kept short). */
const AUTH_SCHEME = /^([A-Za-z][A-Za-z0-9._~+-]{0,19}) +\S/;
const MASKED_VALUE = /^(?:[A-Za-z][A-Za-z0-9._~+-]{0,19} )?\*\*\*$/;

export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_HEADER_NAMES.has(lower) || SECRET_NAME_PART.test(lower);
}

/** The masked form of a secret header's value. */
export function maskHeaderValue(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const scheme = AUTH_SCHEME.exec(value)?.[1];
    if (scheme) return `${scheme} ${MASK}`;
  }
  return MASK;
}

/** The headers as shown in a response: credential-like values masked, others as stored. */
export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) shown[name] = isSecretHeader(name) ? maskHeaderValue(name, value) : value;
  return shown;
}

export function isMaskedValue(value: string): boolean {
  return MASKED_VALUE.test(value);
}

/**
 * Replaces masked values sent back by a client with the stored secrets. Returns the headers to store
 * and the names of headers whose masked value has no stored secret to stand for.
 */
export function restoreMaskedHeaders(
  incoming: Record<string, string>,
  stored: Record<string, string>,
): { headers: Record<string, string>; unresolved: string[] } {
  const storedByName = new Map(Object.entries(stored).map(([name, value]) => [name.toLowerCase(), { name, value }]));
  const headers: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const [name, value] of Object.entries(incoming)) {
    if (!isSecretHeader(name) || !isMaskedValue(value)) {
      headers[name] = value;
      continue;
    }
    const previous = storedByName.get(name.toLowerCase());
    if (previous && (value === MASK || value === maskHeaderValue(previous.name, previous.value))) headers[name] = previous.value;
    else unresolved.push(name);
  }
  return { headers, unresolved };
}
