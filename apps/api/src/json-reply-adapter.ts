import { ExpressAdapter } from '@nestjs/platform-express';
import type { Response } from 'express';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Nest's Express adapter, with a direct path for what nearly every route answers: a plain JSON object (the
 * envelope). `res.json()` → `res.send()` would parse and rebuild the Content-Type to add its charset, check
 * request freshness for a 304 that needs an ETag (Vigil sends none: every envelope is unique) and work out
 * Content-Length, which Node sets itself when the whole body goes to `end()`. Everything else (no body,
 * streams, buffers, strings, errors, HEAD, a Content-Type a handler set) takes Nest's own path.
 */
export class JsonReplyAdapter extends ExpressAdapter {
  override reply(response: Response, body: unknown, statusCode?: number): unknown {
    if (!isPlainJson(body) || response.getHeader('Content-Type') !== undefined || response.req.method === 'HEAD') {
      return super.reply(response, body, statusCode);
    }
    if (statusCode !== undefined && statusCode !== null) response.statusCode = statusCode;
    response.setHeader('Content-Type', JSON_CONTENT_TYPE);
    return response.end(JSON.stringify(body));
  }
}

/** An array or an object made by a literal or `Object.create(null)`: what JSON.stringify writes as Express's res.json does. */
function isPlainJson(body: unknown): body is object {
  if (typeof body !== 'object' || body === null) return false;
  if (Array.isArray(body)) return true;
  const proto: unknown = Object.getPrototypeOf(body);
  return proto === Object.prototype || proto === null;
}
