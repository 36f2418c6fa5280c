import { isInstant } from './is-instant';

describe('isInstant', () => {
  it.each(['2026-11-24', '2026-11-24T10:00:00Z', '2026-11-24T10:00:00.123Z', '2026-11-24T10:00+01:00', '2026-11-24 10:00', '2026', '2026-11', '2024-02-29'])(
    'accepts %s',
    (value) => expect(isInstant(value)).toBe(true),
  );

  it.each([
    ['a week date', '2026-W01'],
    ['a week date with day', '2026-W01-1'],
    ['the basic format', '20261124'],
    ['an hour without minutes', '2026-11-24T10'],
    ['a time without colons', '2026-11-24T1000Z'],
    ['a comma fraction', '2026-11-24T10:00:00,5Z'],
    ['a negative year', '-2026-11-24'],
    ['a signed year', '+2026-11-24'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['a day that does not exist', '2026-02-29'],
    ['an expanded year', '+275760-09-13T00:00:00Z'],
    ['words', 'yesterday'],
  ])('refuses %s (%s)', (_label, value) => expect(isInstant(value)).toBe(false));

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 0, 1764000000000, new Date(), ['2026-11-24']]) expect(isInstant(value)).toBe(false);
  });
});
