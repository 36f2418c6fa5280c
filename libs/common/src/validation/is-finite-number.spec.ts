import { isFiniteNumber } from './is-finite-number';

describe('isFiniteNumber', () => {
  it('accepts numbers with at most the given decimal places', () => {
    for (const v of [0, -0, 5, 2.5, 9.999, 0.001, 1e21, -3.125]) expect({ v, ok: isFiniteNumber(v, 3) }).toEqual({ v, ok: true });
  });

  it('refuses more decimal places, also when JavaScript prints the number in exponent form', () => {
    for (const v of [0.0001, 1.0005, 1e-7, 1e-25, 5e-324, 1.5e-10, 0.1 + 0.2]) expect({ v, ok: isFiniteNumber(v, 3) }).toEqual({ v, ok: false });
  });

  it('refuses NaN, infinities and what is not a number', () => {
    for (const v of [NaN, Infinity, -Infinity, '1', null, undefined, [1]]) expect(isFiniteNumber(v, 3)).toBe(false);
  });
});
