import type { Assertion } from '@vigil/endpoints';
import { evaluateAssertions, needsBody, type ObservedResponse } from './assertion-evaluator';

const now = new Date('2026-11-22T12:00:00Z');

function response(overrides: Partial<ObservedResponse> = {}): ObservedResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'set-cookie': ['a=1', 'b=2'], 'x-version': '1.4.2' },
    body: JSON.stringify({ status: 'UP', items: [{ id: 1 }, { id: 2 }], version: '1.4.2', load: 0.25, tags: ['eu', 'prod'], empty: [] }),
    responseTimeMs: 120,
    protocol: 'https:',
    certificateValidTo: new Date('2026-12-22T18:00:00Z'),
    ...overrides,
  };
}

function one(assertion: Assertion, res: ObservedResponse = response()) {
  return evaluateAssertions([assertion], res, now)[0];
}

describe('evaluateAssertions', () => {
  it('records index, type, passed, actual and message for each assertion', () => {
    const results = evaluateAssertions(
      [
        { type: 'status', operator: 'eq', value: 200 },
        { type: 'json_path', path: '$.status', operator: 'eq', value: 'DOWN' },
      ],
      response(),
      now,
    );
    expect(results).toEqual([
      { index: 0, type: 'status', passed: true, actual: 200, message: 'status is 200 (== 200)' },
      { index: 1, type: 'json_path', passed: false, actual: 'UP', message: '$.status is "UP", expected "DOWN"' },
    ]);
  });

  describe('status', () => {
    it.each([
      ['eq', 200, true],
      ['eq', 201, false],
      ['ne', 500, true],
      ['lt', 300, true],
      ['lte', 200, true],
      ['gt', 200, false],
      ['gte', 200, true],
      ['in', [200, 204], true],
      ['in', [201, 204], false],
    ] as const)('%s %j on 200 passes: %s', (operator, value, passed) => {
      expect(one({ type: 'status', operator, value } as Assertion)).toMatchObject({ passed, actual: 200 });
    });

    it('names the allowed list when status is not in it', () => {
      expect(one({ type: 'status', operator: 'in', value: [201, 204] }).message).toBe('status 200 is not in [201, 204]');
    });
  });

  describe('response time', () => {
    it('compares the total time in ms', () => {
      expect(one({ type: 'response_time', operator: 'lt', value: 500 })).toMatchObject({ passed: true, actual: 120 });
      expect(one({ type: 'response_time', operator: 'lt', value: 120 })).toMatchObject({ passed: false, message: 'response time (ms) is 120, expected < 120' });
      expect(one({ type: 'response_time', operator: 'lte', value: 120 }).passed).toBe(true);
    });
  });

  describe('header', () => {
    it('matches names case-insensitively', () => {
      expect(one({ type: 'header', name: 'Content-Type', operator: 'contains', value: 'application/json' })).toMatchObject({
        passed: true,
        actual: 'application/json; charset=utf-8',
      });
      expect(one({ type: 'header', name: 'X-VERSION', operator: 'eq', value: '1.4.2' }).passed).toBe(true);
    });

    it('supports eq, contains, matches and exists', () => {
      expect(one({ type: 'header', name: 'x-version', operator: 'eq', value: '1.4' })).toMatchObject({
        passed: false,
        message: 'header x-version is "1.4.2", expected "1.4"',
      });
      expect(one({ type: 'header', name: 'x-version', operator: 'matches', value: '^1\\.\\d+\\.\\d+$' }).passed).toBe(true);
      expect(one({ type: 'header', name: 'x-version', operator: 'matches', value: '^2\\.' }).passed).toBe(false);
      expect(one({ type: 'header', name: 'x-version', operator: 'exists' }).passed).toBe(true);
      expect(one({ type: 'header', name: 'x-missing', operator: 'exists' })).toEqual({
        index: 0,
        type: 'header',
        passed: false,
        actual: null,
        message: 'header x-missing is missing',
      });
      expect(one({ type: 'header', name: 'x-missing', operator: 'eq', value: 'a' }).passed).toBe(false);
    });

    it('joins repeated headers', () => {
      expect(one({ type: 'header', name: 'set-cookie', operator: 'contains', value: 'b=2' })).toMatchObject({ passed: true, actual: 'a=1, b=2' });
    });

    it('fails, without throwing, on an invalid pattern', () => {
      expect(one({ type: 'header', name: 'x-version', operator: 'matches', value: '(' })).toMatchObject({
        passed: false,
        message: expect.stringMatching(/^header x-version: invalid pattern/),
      });
    });
  });

  describe('body', () => {
    it('supports contains, not_contains and matches', () => {
      expect(one({ type: 'body', operator: 'contains', value: '"UP"' }).passed).toBe(true);
      expect(one({ type: 'body', operator: 'contains', value: 'DOWN' })).toMatchObject({ passed: false, message: 'body does not contain "DOWN"' });
      expect(one({ type: 'body', operator: 'not_contains', value: 'DOWN' }).passed).toBe(true);
      expect(one({ type: 'body', operator: 'not_contains', value: 'UP' }).passed).toBe(false);
      expect(one({ type: 'body', operator: 'matches', value: '"version":"1\\.\\d' }).passed).toBe(true);
      expect(one({ type: 'body', operator: 'matches', value: '/"STATUS"/i' }).passed).toBe(true);
    });

    it('fails an invalid or runaway pattern instead of crashing', () => {
      expect(one({ type: 'body', operator: 'matches', value: '[z-a]' })).toMatchObject({
        passed: false,
        message: expect.stringMatching(/^body: invalid pattern/),
      });
      const slow = response({ body: 'a'.repeat(40) + 'b' });
      expect(one({ type: 'body', operator: 'matches', value: '^(a+)+$' }, slow)).toMatchObject({ passed: false, message: expect.stringContaining('stopped') });
    });

    it('keeps only an excerpt of a long body as actual', () => {
      const long = response({ body: 'x'.repeat(5000) });
      expect((one({ type: 'body', operator: 'contains', value: 'y' }, long).actual as string).length).toBeLessThan(210);
    });
  });

  describe('json_path', () => {
    it.each([
      ['$.status', 'eq', 'UP', true],
      ['$.status', 'ne', 'DOWN', true],
      ['$.status', 'eq', 'DOWN', false],
      ['$.items.length', 'gt', 0, true],
      ['$.empty.length', 'gt', 0, false],
      ['$.items[1].id', 'eq', 2, true],
      ['$.items[0]', 'eq', { id: 1 }, true],
      ['$.load', 'lt', 0.5, true],
      ['$.load', 'lte', 0.25, true],
      ['$.load', 'gte', 1, false],
      ['$.tags', 'contains', 'prod', true],
      ['$.tags', 'contains', 'us', false],
      ['$.version', 'contains', '1.4', true],
      ['$.items', 'contains', { id: 2 }, true],
    ] as const)('%s %s %j passes: %s', (path, operator, value, passed) => {
      expect(one({ type: 'json_path', path, operator, value } as Assertion).passed).toBe(passed);
    });

    it('checks existence, and absence with value false', () => {
      expect(one({ type: 'json_path', path: '$.items[0].id', operator: 'exists' })).toMatchObject({ passed: true, actual: 1 });
      expect(one({ type: 'json_path', path: '$.items[5].id', operator: 'exists' })).toMatchObject({ passed: false, message: '$.items[5] does not exist' });
      expect(one({ type: 'json_path', path: '$.error', operator: 'exists', value: false }).passed).toBe(true);
    });

    it('fails a missing path, a non-number comparison and a non-JSON body with a clear message', () => {
      expect(one({ type: 'json_path', path: '$.nope', operator: 'eq', value: 1 })).toMatchObject({ passed: false, message: '$.nope does not exist' });
      expect(one({ type: 'json_path', path: '$.status', operator: 'gt', value: 1 })).toMatchObject({
        passed: false,
        message: '$.status is "UP", not a number',
      });
      expect(one({ type: 'json_path', path: '$.status', operator: 'eq', value: 'UP' }, response({ body: '<html>oops</html>' }))).toMatchObject({
        passed: false,
        actual: null,
        message: expect.stringMatching(/^body is not JSON \(/),
      });
      expect(one({ type: 'json_path', path: '$.status', operator: 'exists' }, response({ body: '' })).message).toBe('body is not JSON (the body is empty)');
    });

    it.each([
      ['$.items[-1].id', 2],
      [`$['display name']`, 'Vigil'],
      [`$['it\\'s']`, 'single'],
      ['$.café', 'au lait'],
      ['$.@type', 'Service'],
      [' $.items[ 0 ].id ', 1],
    ])('evaluates %j, a path endpoint validation accepts', (path, value) => {
      const body = JSON.stringify({ items: [{ id: 1 }, { id: 2 }], 'display name': 'Vigil', "it's": 'single', café: 'au lait', '@type': 'Service' });
      expect(one({ type: 'json_path', path, operator: 'eq', value }, response({ body }))).toMatchObject({ passed: true, actual: value });
    });

    it('fails an invalid path instead of throwing', () => {
      expect(one({ type: 'json_path', path: 'status', operator: 'exists' })).toMatchObject({
        passed: false,
        message: expect.stringContaining('must start with $'),
      });
    });
  });

  describe('tls_cert_days', () => {
    it('counts whole days left on the peer certificate', () => {
      expect(one({ type: 'tls_cert_days', operator: 'gte', value: 30 })).toMatchObject({ passed: true, actual: 30 });
      expect(one({ type: 'tls_cert_days', operator: 'gt', value: 30 })).toMatchObject({ passed: false, actual: 30 });
      const expired = response({ certificateValidTo: new Date('2026-11-20T00:00:00Z') });
      expect(one({ type: 'tls_cert_days', operator: 'gte', value: 0 }, expired)).toMatchObject({ passed: false, actual: -3 });
    });

    it('fails over plain http with "not https"', () => {
      expect(one({ type: 'tls_cert_days', operator: 'gte', value: 7 }, response({ protocol: 'http:', certificateValidTo: null }))).toMatchObject({
        passed: false,
        actual: null,
        message: expect.stringContaining('not https'),
      });
    });
  });

  it('fails an unknown type or operator instead of throwing', () => {
    expect(one({ type: 'weird' } as unknown as Assertion)).toMatchObject({ passed: false, message: 'unknown assertion type "weird"' });
    expect(one({ type: 'status', operator: 'about', value: 200 } as unknown as Assertion)).toMatchObject({
      passed: false,
      message: 'unknown operator "about"',
    });
    expect(one({ type: 'header', operator: 'eq' } as unknown as Assertion).passed).toBe(false);
  });

  it('tells whether the body must be kept', () => {
    expect(needsBody([{ type: 'status', operator: 'eq', value: 200 }])).toBe(false);
    expect(needsBody([{ type: 'json_path', path: '$.a', operator: 'exists' }])).toBe(true);
  });
});
