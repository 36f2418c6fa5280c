import { VIGIL_VERSION } from '@vigil/common';
import type { HttpMethod } from '@vigil/endpoints';

/**
 * One request of an attempt: the first one, or a redirect hop. The first hop of an endpoint is reused by
 * every check of it (see HttpChecker), so nothing may change one once built; it keeps strings rather than a
 * URL object, which would cost a few hundred bytes per owned endpoint (parse `href` where a URL is needed).
 */
export interface OutgoingRequest {
  readonly href: string;
  /** `url.origin` and `url.pathname + url.search`, as undici takes them. */
  readonly origin: string;
  readonly path: string;
  readonly method: HttpMethod;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

/** `href` defaults to the URL's; the first hop passes the endpoint's own string, which its definition keeps anyway. */
export function outgoingRequest(url: URL, method: HttpMethod, headers: Record<string, string>, body: string | null, href = url.href): OutgoingRequest {
  return { href, origin: url.origin, path: `${url.pathname}${url.search}`, method, headers, body };
}

/** `http:` or `https:` (the only schemes a request gets to be sent with). */
export function protocolOf(hop: OutgoingRequest): string {
  return hop.origin.slice(0, hop.origin.indexOf(':') + 1);
}

/** Headers undici manages itself, or refuses from a caller; an endpoint cannot set them. */
const MANAGED_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length', 'expect', 'te', 'trailer', 'proxy-connection']);
/** Credentials that do not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host'];
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = `Vigil/${VIGIL_VERSION}`;

/** The endpoint's headers (names lower-cased, managed ones dropped) plus a user agent, accept and content type. */
export function outgoingHeaders(headers: Record<string, string> | null | undefined, body: string | null): Record<string, string> {
  const out: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*' };
  for (const [name, value] of Object.entries(headers ?? {})) {
    const key = name.toLowerCase();
    if (!MANAGED_HEADERS.has(key)) out[key] = String(value);
  }
  if (body !== null && out['content-type'] === undefined) out['content-type'] = looksLikeJson(body) ? 'application/json' : 'text/plain; charset=utf-8';
  return out;
}

/**
 * The request a redirect leads to, or null when the response is not a redirect to follow (not 301/302/303/
 * 307/308, or no usable Location). As browsers do: 303 (and 301/302 after a POST) become a GET without body;
 * credentials are dropped when the redirect leaves the origin.
 */
export function redirectTarget(from: OutgoingRequest, status: number, location: string | string[] | undefined): OutgoingRequest | null {
  const target = Array.isArray(location) ? location[0] : location;
  if (!REDIRECT_STATUSES.has(status) || !target) return null;
  let url: URL;
  try {
    url = new URL(target, from.href);
  } catch {
    return null;
  }
  const toGet = (status === 303 && from.method !== 'HEAD') || ((status === 301 || status === 302) && from.method === 'POST');
  const headers = { ...from.headers };
  if (toGet) delete headers['content-type'];
  if (url.origin !== from.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
  return outgoingRequest(url, toGet ? 'GET' : from.method, headers, toGet ? null : from.body);
}

function looksLikeJson(body: string): boolean {
  const text = body.trim();
  if (!/^[[{]/.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
