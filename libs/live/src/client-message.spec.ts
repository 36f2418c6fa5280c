import { ErrorCode } from '@vigil/common';
import { MAX_TOPICS_PER_MESSAGE, parseClientMessage } from './client-message';
import { LIVE_EVENT_ROUTES } from './live-event-routes';
import { endpointTopics, normalizeTopic, topicFamily } from './live-topics';

const ID = '3f2b6c1e-8a4d-4e0f-9b7a-2c5d8e1f0a3b';

describe('parseClientMessage', () => {
  it('reads subscribe and unsubscribe with normalized, de-duplicated topics', () => {
    expect(parseClientMessage(JSON.stringify({ type: 'subscribe', topics: ['checks', `endpoint:${ID.toUpperCase()}`, 'checks'] }))).toEqual({
      ok: true,
      message: { type: 'subscribe', topics: ['checks', `endpoint:${ID}`] },
    });
    expect(parseClientMessage(Buffer.from(JSON.stringify({ type: 'unsubscribe', topics: ['status'] })))).toEqual({
      ok: true,
      message: { type: 'unsubscribe', topics: ['status'] },
    });
  });

  it('reads pong and ignores extra fields', () => {
    expect(parseClientMessage('{"type":"pong","timestamp":"2026-11-24T10:00:00Z"}')).toEqual({ ok: true, message: { type: 'pong' } });
  });

  it.each([
    ['not JSON', '{"type":', ErrorCode.VAL_MALFORMED_JSON, /not valid JSON/],
    ['a JSON string', '"subscribe"', ErrorCode.VAL_ERROR, /object with a string "type"/],
    ['an array', '[]', ErrorCode.VAL_ERROR, /object with a string "type"/],
    ['null', 'null', ErrorCode.VAL_ERROR, /object with a string "type"/],
    ['a numeric type', '{"type":1}', ErrorCode.VAL_ERROR, /object with a string "type"/],
    ['an unknown type', '{"type":"ping"}', ErrorCode.VAL_ERROR, /Unknown message type "ping"; expected subscribe, unsubscribe, pong/],
    ['topics missing', '{"type":"subscribe"}', ErrorCode.VAL_ERROR, /"topics" must be an array of 1 to 100/],
    ['topics as a string', '{"type":"subscribe","topics":"checks"}', ErrorCode.VAL_ERROR, /"topics" must be an array/],
    ['no topics', '{"type":"unsubscribe","topics":[]}', ErrorCode.VAL_ERROR, /"topics" must be an array/],
    ['an unknown topic', '{"type":"subscribe","topics":["checks","prices"]}', ErrorCode.VAL_ERROR, /Unknown topic "prices"; topics are checks, alerts/],
    ['an endpoint topic without a uuid', '{"type":"subscribe","topics":["endpoint:12"]}', ErrorCode.VAL_ERROR, /Unknown topic "endpoint:12"/],
  ])('refuses %s', (_name, frame, code, message) => {
    const parsed = parseClientMessage(frame);
    expect(parsed).toEqual({ ok: false, code, message: expect.stringMatching(message) });
  });

  it('refuses binary frames and too many topics', () => {
    expect(parseClientMessage(Buffer.from('{"type":"pong"}'), true)).toMatchObject({ ok: false, code: ErrorCode.VAL_MALFORMED_JSON });
    const many = Array.from({ length: MAX_TOPICS_PER_MESSAGE + 1 }, () => 'checks');
    expect(parseClientMessage(JSON.stringify({ type: 'subscribe', topics: many }))).toMatchObject({ ok: false, code: ErrorCode.VAL_ERROR });
  });

  it('names non-string topics by their kind, even nested deeper than JSON.stringify can go', () => {
    const deep = `{"type":"subscribe","topics":[${'['.repeat(8000)}${']'.repeat(8000)},{"a":{}},null,7]}`;
    expect(parseClientMessage(deep)).toEqual({
      ok: false,
      code: ErrorCode.VAL_ERROR,
      message: expect.stringMatching(/^Unknown topics an array, an object, null, 7;/),
    });
  });

  it('cuts long client text short in the error message', () => {
    const parsed = parseClientMessage(JSON.stringify({ type: 'x'.repeat(5000) }));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message.length).toBeLessThan(200);
  });
});

describe('topics', () => {
  it('knows the fixed topics and endpoint:<uuid>', () => {
    expect(['checks', 'alerts', 'providers', 'status', 'logs'].map(normalizeTopic)).toEqual(['checks', 'alerts', 'providers', 'status', 'logs']);
    expect(normalizeTopic(`endpoint:${ID}`)).toBe(`endpoint:${ID}`);
    expect([normalizeTopic('Checks'), normalizeTopic('endpoint:'), normalizeTopic(`endpoint:${ID}x`), normalizeTopic(3)]).toEqual([null, null, null, null]);
    expect([topicFamily('checks'), topicFamily(`endpoint:${ID}`)]).toEqual(['checks', 'endpoint']);
  });

  it('routes check results to checks and the endpoint, status changes to status as well', () => {
    const topicsOf = (type: string, payload: unknown) => LIVE_EVENT_ROUTES.find((r) => r.type === type)!.topics(payload);
    expect(topicsOf('check_result', { endpoint_id: ID.toUpperCase() })).toEqual(['checks', `endpoint:${ID}`]);
    expect(topicsOf('endpoint_status_change', { endpoint_id: ID })).toEqual(['status', 'checks', `endpoint:${ID}`]);
    expect(endpointTopics(undefined)).toEqual([]);
    expect(endpointTopics('not-an-id')).toEqual([]);
  });
});
