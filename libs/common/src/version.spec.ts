import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { VIGIL_VERSION } from './version';

describe('VIGIL_VERSION', () => {
  it('equals the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(VIGIL_VERSION).toBe(pkg.version);
    expect(VIGIL_VERSION).toMatch(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/);
  });
});
