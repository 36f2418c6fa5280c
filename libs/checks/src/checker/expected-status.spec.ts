import { describeExpectedStatus, matchesExpectedStatus } from './expected-status';

describe('matchesExpectedStatus', () => {
  it.each([
    [200, 200, true],
    [201, 200, false],
    [204, [200, 204], true],
    [500, [200, 204], false],
    [299, '2xx', true],
    [300, '2xx', false],
    [404, '4XX', true],
    [304, ['2xx', 304], true],
    [302, ['2xx', 304], false],
    [204, '204', true],
    [204, ['200', '204'], true],
    [200, 'ok', false],
    [200, '6xx', false],
    [200, [], false],
  ] as const)('status %s against %j is %s', (status, expected, result) => {
    expect(matchesExpectedStatus(status, expected as never)).toBe(result);
  });

  it('describes the expectation for a failure message', () => {
    expect(describeExpectedStatus(200)).toBe('200');
    expect(describeExpectedStatus(['2xx', 304])).toBe('2xx or 304');
    expect(describeExpectedStatus([200, 201, 204])).toBe('200, 201 or 204');
  });
});
