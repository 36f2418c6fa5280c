import { ErrorCode } from '@vigil/common';
import { normalizeTopic, TOPICS_HELP } from './live-topics';

/** What a client may send on /ws/live. */
export type ClientMessage = { type: 'subscribe' | 'unsubscribe'; topics: string[] } | { type: 'pong' };

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode; message: string };

/** Topics in one subscribe or unsubscribe message. */
export const MAX_TOPICS_PER_MESSAGE = 100;

const TYPES = ['subscribe', 'unsubscribe', 'pong'];

/**
 * Reads one client frame. Never throws: a bad frame becomes the `{code, message}` of an `error` reply and
 * the connection stays open. Topics come back normalized; a message with any unknown topic is refused whole.
 */
export function parseClientMessage(data: Buffer | string, isBinary = false): ParsedClientMessage {
  if (isBinary) return invalid(ErrorCode.VAL_MALFORMED_JSON, 'Messages are JSON text frames, not binary');
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch {
    return invalid(ErrorCode.VAL_MALFORMED_JSON, 'Message is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { type?: unknown }).type !== 'string') {
    return invalid(ErrorCode.VAL_ERROR, 'A message is a JSON object with a string "type"');
  }
  const message = value as { type: string; topics?: unknown };
  if (!TYPES.includes(message.type)) {
    return invalid(ErrorCode.VAL_ERROR, `Unknown message type "${shown(message.type)}"; expected ${TYPES.join(', ')}`);
  }
  if (message.type === 'pong') return { ok: true, message: { type: 'pong' } };

  const topics = message.topics;
  if (!Array.isArray(topics) || topics.length === 0 || topics.length > MAX_TOPICS_PER_MESSAGE) {
    return invalid(ErrorCode.VAL_ERROR, `"topics" must be an array of 1 to ${MAX_TOPICS_PER_MESSAGE} topics; ${TOPICS_HELP}`);
  }
  const normalized = topics.map(normalizeTopic);
  const unknown = topics.filter((_, i) => normalized[i] === null);
  if (unknown.length) {
    const list = unknown.slice(0, 5).map(shownTopic).join(', ');
    return invalid(ErrorCode.VAL_ERROR, `Unknown topic${unknown.length > 1 ? 's' : ''} ${list}${unknown.length > 5 ? ', ...' : ''}; ${TOPICS_HELP}`);
  }
  return { ok: true, message: { type: message.type as 'subscribe' | 'unsubscribe', topics: [...new Set(normalized as string[])] } };
}

function invalid(code: ErrorCode, message: string): ParsedClientMessage {
  return { ok: false, code, message };
}

/**
 * An unknown topic as the error names it. Arrays and objects are named by their kind, never serialised: a
 * frame of 16 KiB can nest 8000 levels deep, and JSON.stringify of that overflows the stack.
 */
function shownTopic(topic: unknown): string {
  if (typeof topic === 'string') return JSON.stringify(shown(topic));
  if (Array.isArray(topic)) return 'an array';
  if (typeof topic === 'object' && topic !== null) return 'an object';
  return String(topic);
}

/** Client text echoed in an error, cut short. */
function shown(value: string): string {
  return value.length > 60 ? `${value.slice(0, 60)}...` : value;
}
