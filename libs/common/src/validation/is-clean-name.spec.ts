import { hasControlCharacter } from './is-clean-name';

describe('hasControlCharacter', () => {
  it('finds C0 and C1 control characters anywhere in a string', () => {
    for (const v of ['\u0007', 'a\nb', 'tab\there', 'nul\u0000', 'del\u007f', 'c1\u0085'])
      expect({ v, found: hasControlCharacter(v) }).toEqual({ v, found: true });
  });

  it('passes ordinary names, including spaces and non-Latin letters, and what is not a string', () => {
    for (const v of ['Billing API', 'Zürich – Ω', '数据库', ' ', 42, null, undefined])
      expect({ v, found: hasControlCharacter(v) }).toEqual({ v, found: false });
  });
});
